"""Child processes of dev mode: started in their own process groups, stopped in reverse order.

Each child gets its own session, so a Ctrl-C in the terminal reaches only the launcher, which
then stops the children in the order that loses nothing (integrations first, the database last).
On Linux each child is also told to stop when the launcher dies, so a launcher killed with
SIGKILL leaves no server holding the dev ports.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from reservation_common.testing import stop_process

__all__ = ["Child", "ChildDied", "Supervisor", "wait_for_http", "wait_for_tcp"]


_PR_SET_PDEATHSIG = 1


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    # Loaded once here: a child must not load libraries between fork and exec.
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    prctl: Callable[..., int] = libc.prctl
    return prctl


_PRCTL = _load_prctl()


def _die_with(parent: int) -> Callable[[], None] | None:
    if _PRCTL is None:
        return None
    prctl = _PRCTL

    def in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the launcher died before the line above
            os._exit(1)

    return in_child


class ChildDied(RuntimeError):
    """A child exited while it should be running."""


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    argv: list[str]
    log_start: int = 0  # logs are appended across runs: this run's lines start here

    def log_tail(self, lines: int = 20) -> str:
        try:
            with self.log_path.open("rb") as log:
                log.seek(self.log_start)
                text = log.read().decode("utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Supervisor:
    log_dir: Path
    children: list[Child] = field(default_factory=list)

    def start(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], cwd: Path | None = None
    ) -> Child:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        with log_path.open("ab") as log:
            log_start = log.tell()
            process = subprocess.Popen(  # noqa: S603 - argv built by the launcher, no shell
                list(argv),
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with(os.getpid()),
            )
        child = Child(name, process, log_path, list(argv), log_start)
        self.children.append(child)
        return child

    def run_once(
        self, name: str, argv: Sequence[str], env: Mapping[str, str], timeout: float
    ) -> None:
        """Run a one-shot command to completion; raise with its log when it fails."""
        child = self.start(name, argv, env)
        try:
            code = child.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired as error:
            self.stop(child, grace=5)
            message = f"{name} did not finish within {timeout:.0f}s\n{child.log_tail()}"
            raise ChildDied(message) from error
        finally:
            self.children.remove(child)
        if code != 0:
            raise ChildDied(f"{name} failed with exit code {code}\n{child.log_tail()}")

    def check(self) -> None:
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                raise ChildDied(
                    f"{child.name} exited with code {code}; its log ({child.log_path}):\n"
                    f"{child.log_tail()}"
                )

    @staticmethod
    def stop(child: Child, grace: float) -> None:
        # The whole process group: anything the child left in it (worker processes) goes too.
        stop_process(child.process, grace=grace, group=True)

    def retire(self, child: Child, grace: float = 10.0) -> None:
        """Stop one child for good (it is no longer watched)."""
        self.stop(child, grace)
        self.children.remove(child)

    def stop_all(self, grace: float = 10.0) -> None:
        for child in reversed(self.children):
            self.stop(child, grace)
        self.children.clear()


def wait_for_http(
    url: str, *, timeout: float, alive: Callable[[], None], accept: Callable[[int], bool]
) -> None:
    """Poll ``url`` until ``accept(status)``; ``alive()`` raises if the server died meanwhile."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            alive()
            try:
                status = client.get(url).status_code
                if accept(status):
                    return
                last_error = f"HTTP {status}"
            except httpx.HTTPError as error:
                last_error = type(error).__name__
            time.sleep(0.2)
    raise TimeoutError(f"{url} not ready after {timeout:.0f}s ({last_error})")


def wait_for_tcp(host: str, port: int, *, timeout: float, alive: Callable[[], None]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{host}:{port} not accepting connections after {timeout:.0f}s")
