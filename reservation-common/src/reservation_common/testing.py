"""Test building blocks every part's tests share: free loopback ports, a TCP proxy whose
connections a test can cut, a launcher for Python child processes, and a bounded wait."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

__all__ = ["TcpProxy", "eventually", "free_port", "free_ports", "spawn_python", "stop_process"]


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now (the OS picks it)."""
    return free_ports(1, host)[0]


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """``count`` different ports nothing listens on right now (the OS picks them)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((host, 0))  # all bound at once: no port is picked twice
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


class TcpProxy:
    """Forwards a free loopback port to ``target_port``; ``cut()`` aborts every open connection
    (a network fault, as a client and the server each see it). Start and stop it with
    ``start()``/``stop()`` or ``async with``."""

    def __init__(self, target_port: int, *, target_host: str = "127.0.0.1") -> None:
        self.port = free_port()
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._open: set[asyncio.StreamWriter] = set()
        self.cuts = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)

    async def stop(self) -> None:
        self.cut()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def __aenter__(self) -> TcpProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._open |= {writer, up_writer}
        try:
            await asyncio.gather(_copy(reader, up_writer), _copy(up_reader, writer))
        finally:
            self._open -= {writer, up_writer}

    def cut(self) -> int:
        """Abort every open connection; returns how many client connections there were."""
        count = len(self._open) // 2
        for writer in list(self._open):
            writer.transport.abort()
        self._open.clear()
        self.cuts += 1
        return count


async def _copy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    with contextlib.suppress(Exception):
        writer.close()


def spawn_python(
    args: Sequence[str], env: Mapping[str, str | None] | None = None, **popen: Any
) -> subprocess.Popen[Any]:
    """Run ``python <args>`` with this interpreter; ``env`` is added to this process's own (a
    name given ``None`` is left out). ``popen``: more ``subprocess.Popen`` options."""
    merged = {**os.environ, **(env or {})}
    child_env = {name: value for name, value in merged.items() if value is not None}
    # This interpreter with arguments the calling test or benchmark chose.
    command = [sys.executable, *args]
    return subprocess.Popen(command, env=child_env, **popen)  # noqa: S603


def stop_process(child: subprocess.Popen[Any], *, grace: float = 20.0, group: bool = False) -> int:
    """SIGTERM, then SIGKILL after ``grace`` seconds; returns the exit code.

    With ``group`` (a child started in a session of its own) the signals go to its whole process
    group, and whatever the group still holds once the child is gone (its workers) is killed.
    """
    terminate, kill = child.terminate, child.kill
    if group:
        terminate = functools.partial(_signal_group, child.pid, signal.SIGTERM)
        kill = functools.partial(_signal_group, child.pid, signal.SIGKILL)
    if child.poll() is None:
        terminate()
        try:
            child.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            kill()
            child.wait()
    if group:
        kill()
    return child.returncode


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


async def eventually(
    condition: Callable[[], Awaitable[object]] | Callable[[], object],
    *,
    timeout: float,  # noqa: ASYNC109 - the poll's own bound, named as every caller names it
    what: str,
    interval: float = 0.05,
) -> None:
    """Wait until ``condition()`` (or what it awaits to) is true, at most ``timeout`` seconds;
    then fail saying ``what`` was awaited."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(interval)
