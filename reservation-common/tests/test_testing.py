"""The shared test building blocks: the proxy forwards until cut, the launcher stops what it
started."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from reservation_common.testing import (
    TcpProxy,
    free_port,
    free_ports,
    spawn_python,
    stop_process,
)


async def _echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(1024):
        writer.write(data)
        await writer.drain()
    writer.close()


async def test_the_proxy_forwards_until_cut_and_counts_the_connections_it_cut() -> None:
    port = free_port()
    server = await asyncio.start_server(_echo, "127.0.0.1", port)
    try:
        async with TcpProxy(port) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            writer.write(b"ping")
            assert await asyncio.wait_for(reader.read(4), 5) == b"ping"
            assert proxy.cut() == 1 and proxy.cuts == 1
            try:
                after = await asyncio.wait_for(reader.read(4), 5)
            except ConnectionError:  # a reset, or an end of stream: either is a cut
                after = b""
            assert after == b""
            writer.close()
    finally:
        server.close()
        await server.wait_closed()


def test_a_launched_python_process_is_stopped_and_its_code_returned() -> None:
    child = spawn_python(["-c", "import time; time.sleep(60)"])
    code = stop_process(child, grace=5)
    assert child.poll() is not None
    assert code == (-15 if sys.platform != "win32" else 1)


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(8)
    assert len(set(ports)) == 8
    for port in ports:
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))


def test_a_launched_process_without_a_name_of_the_parents_environment() -> None:
    os.environ["RESERVATION_COMMON_TEST_NAME"] = "parent"
    try:
        child = spawn_python(
            ["-c", "import os; print(os.environ.get('RESERVATION_COMMON_TEST_NAME'))"],
            {"RESERVATION_COMMON_TEST_NAME": None},
            stdout=subprocess.PIPE,
            text=True,
        )
        out, _ = child.communicate(timeout=30)
    finally:
        del os.environ["RESERVATION_COMMON_TEST_NAME"]
    assert out.strip() == "None"


@pytest.mark.skipif(sys.platform == "win32", reason="process groups are POSIX")
def test_stopping_a_process_group_ends_what_the_child_left_in_it() -> None:
    # The child starts a grandchild that ignores SIGTERM, prints its pid and exits at once.
    script = (
        "import signal, subprocess, sys;"
        "g = subprocess.Popen([sys.executable, '-c',"
        " 'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)']);"
        "print(g.pid, flush=True); signal.signal(signal.SIGTERM, signal.SIG_DFL);"
        "import time; time.sleep(60)"
    )
    child = spawn_python(["-c", script], stdout=subprocess.PIPE, start_new_session=True)
    assert child.stdout is not None
    grandchild = int(child.stdout.readline())
    code = stop_process(child, grace=5, group=True)
    child.stdout.close()
    assert code == -signal.SIGTERM
    for _ in range(100):  # bounded wait for the kill to land
        if not _running(grandchild):
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"the grandchild {grandchild} outlived its group's stop")


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan may wait a while for init to reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
