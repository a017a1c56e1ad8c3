"""Running the platform's processes for the end-to-end suite.

The backend and the event processor run as subprocesses started with their production
commands (``python -m reservation_be serve``, ``python -m reservation_event_processor run``),
configured only through their environment variables, so a test can ``kill -9`` them. Receivers
run in the test's event loop under uvicorn on loopback ports, so a test can look at what they
and the simulated switch saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import httpx
import uvicorn
from reservation_common.testing import eventually, free_port

__all__ = ["LoopbackServer", "ServiceProcess", "eventually", "free_port"]


class ServiceProcess:
    """One platform process, started with its production command, ready when ``ready_url``
    answers 200. Its output goes to ``log_path`` (shown when it fails to start)."""

    def __init__(
        self,
        name: str,
        args: list[str],
        *,
        env: dict[str, str],
        ready_url: str,
        log_path: Path,
    ) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.ready_url = ready_url
        self.log_path = log_path
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self, *, timeout: float = 180.0) -> None:
        assert not self.running, f"{self.name} is already running"
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts + 1}\n".encode())
            log.flush()
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.args,
                env=self.env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=asyncio.subprocess.STDOUT,
            )
        self.starts += 1
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if self.proc.returncode is not None:
                    raise AssertionError(f"{self.name} exited at start:\n{self.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(self.ready_url)).status_code == 200:
                        return
                if loop.time() > deadline:
                    raise AssertionError(f"{self.name} never became ready:\n{self.log_tail()}")
                await asyncio.sleep(0.1)

    async def kill(self, sig: int = signal.SIGKILL, *, timeout: float = 30.0) -> int:
        """Send ``sig`` and wait for the exit; returns the exit code (``-9`` after SIGKILL)."""
        assert self.proc is not None and self.proc.returncode is None
        self.proc.send_signal(sig)
        return await asyncio.wait_for(self.proc.wait(), timeout=timeout)

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after a while."""
        if not self.running:
            return
        try:
            await self.kill(signal.SIGTERM, timeout=20)
        except TimeoutError:
            await self.kill(signal.SIGKILL)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def python_env(extra: dict[str, str]) -> dict[str, str]:
    """The test's environment (the workspace's interpreter and paths) plus ``extra``.

    Settings of the parts are taken from ``extra`` only: inherited ``RESERVATION_*`` or
    ``SWITCH_PORT_*`` variables would make the run depend on the caller's shell.
    """
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("RESERVATION_", "SWITCH_PORT_", "KEYCLOAK_CLIENT_SECRET_"))
        # Cached bytecode keeps restarts quick (a cold import costs seconds of CPU).
        and k != "PYTHONDONTWRITEBYTECODE"
    }
    return {**inherited, **extra}


class _Server(uvicorn.Server):
    """uvicorn in the test's event loop: signals stay with pytest."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LoopbackServer:
    """An ASGI app served by uvicorn on ``127.0.0.1:port`` inside the running event loop."""

    def __init__(
        self, app: Any, *, port: int | None = None, lifespan: Literal["on", "off"] = "on"
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            lifespan=lifespan,
            log_config=None,
            log_level="warning",
            access_log=False,
            ws="none",
            interface="asgi3",
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> LoopbackServer:
        self._task = asyncio.create_task(self._server.serve(), name=f"serve:{self.port}")
        await eventually(
            lambda: self._server.started or self._task is None or self._task.done(),
            timeout=10,
            what=f"a server on port {self.port}",
            interval=0.01,
        )
        if not self._server.started:
            raise RuntimeError(f"the server on port {self.port} did not start")
        return self

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        await asyncio.wait_for(self._task, timeout=30)
        self._task = None

    async def __aenter__(self) -> LoopbackServer:
        return await self.start()

    async def __aexit__(self, *_: object) -> None:
        await self.stop()
