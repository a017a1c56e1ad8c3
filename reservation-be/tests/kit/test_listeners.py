"""``serve --workers 2``: each worker listens on a socket of its own (``SO_REUSEPORT``), so a
burst of connections is shared between the workers, also after a worker is replaced.

With uvicorn's one shared socket, the first worker to wake accepted every pending connection: a
burst of keep-alive connections could all land on one worker (all 32 in 2 tries of 5), which
``test_a_burst_of_connections_is_shared_between_the_workers`` refuses.

Which worker holds a connection is read from the kernel (``/proc``), not from the API.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from multiprocessing.reduction import ForkingPickler

import pytest
from reservation_be.kit import listeners

from tests.servers import (
    LISTEN,
    STARTUP_SECONDS,
    connections_per_worker,
    listening_workers,
    serve,
    socket_inodes,
    tcp_sockets,
    wait_for_workers,
)

pytestmark = pytest.mark.skipif(
    not listeners.supported(), reason="SO_REUSEPORT spreads connections on Linux only"
)

BURST = 32
AT_LEAST = 4  # of 32 per worker: the kernel's hash gives fewer with odds of about 1 in 400,000


async def _request(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    """A new connection with one answered request on it, kept open."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nhost: test\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return reader, writer, head.split(b"\r\n")[0]


async def _burst(port: int, workers: dict[int, set[int]]) -> dict[int, int]:
    """``BURST`` connections opened at once, each answered; how many each worker holds."""
    opened = await asyncio.gather(*(_request(port) for _ in range(BURST)))
    try:
        assert {status for _, _, status in opened} == {b"HTTP/1.1 200 OK"}
        return connections_per_worker(workers, port)
    finally:
        for _, writer, _ in opened:
            writer.close()


async def _wait_answering(port: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        try:
            _, writer, status = await _request(port)
            writer.close()
            if status == b"HTTP/1.1 200 OK":
                return
        except OSError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"port {port} did not answer within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def server(settings) -> Iterator[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """``serve --workers 2`` (background loops off): its pid and port."""
    with serve(settings, 2, RESERVATION_BE_DATABASE_POOL_SIZE="2") as started:
        yield started


async def test_each_worker_listens_on_a_socket_of_its_own(server) -> None:  # type: ignore[no-untyped-def]
    pid, port = server
    await _wait_answering(port)
    workers = listening_workers(pid, port)
    assert len(workers) == 2
    first, second = workers.values()
    assert len(first) == len(second) == 1
    assert first != second  # two listening sockets, not one shared
    # The supervisor's socket is bound, not listening: no connection can wait in it.
    assert not socket_inodes(pid) & set(tcp_sockets(port, LISTEN))


async def test_a_burst_of_connections_is_shared_between_the_workers(server) -> None:  # type: ignore[no-untyped-def]
    pid, port = server
    await _wait_answering(port)
    workers = listening_workers(pid, port)
    held = await _burst(port, workers)
    assert sum(held.values()) == BURST
    assert min(held.values()) >= AT_LEAST, held


async def test_a_replaced_worker_listens_again_and_takes_its_share(server) -> None:  # type: ignore[no-untyped-def]
    pid, port = server
    await _wait_answering(port)
    workers = listening_workers(pid, port)
    victim, survivor = workers
    os.kill(victim, signal.SIGKILL)
    # Its socket leaves the group when the kernel closes it: new connections go to the
    # survivor meanwhile (a connection waiting in the victim's queue at that moment is reset).
    deadline = time.monotonic() + 10
    while workers[victim] & set(tcp_sockets(port, LISTEN)):
        assert time.monotonic() < deadline
        await asyncio.sleep(0.02)
    for _ in range(10):
        _, writer, status = await _request(port)
        writer.close()
        assert status == b"HTTP/1.1 200 OK"

    # The supervisor starts a replacement, which binds a socket of its own.
    workers = wait_for_workers(pid, port, 2, without=victim)
    assert survivor in workers
    await _wait_answering(port)
    time.sleep(1)  # the replacement's loop is serving, not only listening
    held = await _burst(port, workers)
    assert sum(held.values()) == BURST
    assert min(held.values()) >= AT_LEAST, held


def test_a_worker_binds_its_own_socket_to_the_supervisors_address() -> None:
    with listeners.PerWorkerListener.bind_address("127.0.0.1", 0) as supervisor:
        address = supervisor.getsockname()
        # What spawn does with the worker's arguments.
        worker = pickle.loads(ForkingPickler.dumps(supervisor))
        with worker:
            assert type(worker) is socket.socket
            assert worker.fileno() != supervisor.fileno()
            assert worker.getsockname() == address
            assert worker.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1


def test_serve_refuses_to_start_on_a_port_another_program_holds() -> None:
    with socket.create_server(("127.0.0.1", 0)) as other:  # no SO_REUSEPORT
        port = other.getsockname()[1]
        started = time.monotonic()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "reservation_be",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            env={**os.environ, "RESERVATION_BE_WORKERS_ENABLED": "false"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 3  # uvicorn's STARTUP_FAILURE
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert time.monotonic() - started < 30  # no worker was started
