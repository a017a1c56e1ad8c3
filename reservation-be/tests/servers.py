"""A real ``serve --workers N`` for tests, and which of its worker processes holds what, read
from the kernel (``/proc``), not from the API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from reservation_be.settings import Settings
from reservation_common.testing import free_port

STARTUP_SECONDS = 120
LISTEN, ESTABLISHED = "0A", "01"


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def tcp_sockets(port: int, state: str) -> dict[int, tuple[int, int]]:
    """Inode -> (local port, remote port) of this machine's IPv4 TCP sockets on ``port`` in
    ``state``."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, st, inode = fields[1], fields[2], fields[3], int(fields[9])
        local_port, remote_port = int(local.split(":")[1], 16), int(remote.split(":")[1], 16)
        if st == state and local_port == port:
            found[inode] = (local_port, remote_port)
    return found


def listening_workers(pid: int, port: int) -> dict[int, set[int]]:
    """The processes under the supervisor that listen on ``port``: pid -> inodes of its
    listening sockets there."""
    listening = set(tcp_sockets(port, LISTEN))
    workers = {}
    for child in children(pid):
        try:
            held = socket_inodes(child) & listening
        except OSError:  # exited meanwhile
            continue
        if held:
            workers[child] = held
    return workers


def connections_per_worker(workers: dict[int, set[int]], port: int) -> dict[int, int]:
    established = set(tcp_sockets(port, ESTABLISHED))
    return {pid: len(socket_inodes(pid) & established) for pid in workers}


def wait_for_workers(pid: int, port: int, count: int, *, without: int | None = None) -> dict:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        workers = listening_workers(pid, port)
        if len(workers) == count and without not in workers:
            return workers
        time.sleep(0.2)
    raise AssertionError(f"{count} workers did not listen on {port} within {STARTUP_SECONDS} s")


@contextmanager
def serve(settings: Settings, workers: int, **env: str) -> Iterator[tuple[int, int]]:
    """``serve --workers workers`` on the test's database and realm (background loops off,
    ``env`` added to its environment) until every worker listens: its pid and port."""
    port = free_port()
    environment = {
        **os.environ,
        "RESERVATION_BE_DATABASE_URL": settings.database_url,
        "RESERVATION_BE_OIDC_ISSUER": settings.oidc_issuer,
        "RESERVATION_BE_WORKERS_ENABLED": "false",
        "RESERVATION_BE_LOG_LEVEL": "WARNING",
        **env,
    }
    command = ["-m", "reservation_be", "serve", "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        [sys.executable, *command],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_workers(process.pid, port, workers)
        yield process.pid, port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
