"""The two programs as they run in dev mode and compose: the simulator and the console script."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from conftest import WEBHOOK_SECRET, reservation_event, signed_headers
from reservation_common.events import EventType
from reservation_common.testing import free_port
from switch_port_webhook import SwitchConfig
from switch_port_webhook.driver import ScrapliIosDriver
from switch_port_webhook.ios import PortConfig

START_TIMEOUT = 20.0


async def wait_until_listening(port: int, process: asyncio.subprocess.Process) -> None:
    deadline = asyncio.get_running_loop().time() + START_TIMEOUT
    while True:
        assert process.returncode is None, "the process exited"
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            assert asyncio.get_running_loop().time() < deadline, f"nothing listens on {port}"
            await asyncio.sleep(0.1)
        else:
            writer.close()
            await writer.wait_closed()
            return


async def stop(process: asyncio.subprocess.Process) -> int:
    if process.returncode is None:
        process.terminate()
    return await asyncio.wait_for(process.wait(), timeout=10)


@pytest.fixture
async def programs(tmp_path: Path) -> AsyncIterator[tuple[str, SwitchConfig]]:
    ssh_port, http_port = free_port(), free_port()
    simulator = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "switch_port_webhook.simulator",
        "--port",
        str(ssh_port),
        "--ports",
        "Gi1/0/1-4",
        "--password",
        "proc-pw",
        "--enable-secret",
        "proc-en",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    config = SwitchConfig(
        host="127.0.0.1",
        port=ssh_port,
        username="netops",
        password="proc-pw",
        enable_secret="proc-en",
        ports=frozenset({"Gi1/0/1", "Gi1/0/2"}),
    )
    env = {
        **os.environ,
        "SWITCH_PORT_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SWITCH_PORT_PORT": str(http_port),
        "SWITCH_PORT_ALLOWED_VLANS": "100-199",
        "SWITCH_PORT_SWITCHES": json.dumps(
            {
                "sw1": {
                    **config.model_dump(mode="json"),
                    "password": "proc-pw",
                    "enable_secret": "proc-en",
                }
            }
        ),
    }
    log = tmp_path / "webhook.log"
    with log.open("wb") as output:
        webhook = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "switch-port-webhook"),
            env=env,
            stdout=output,
            stderr=output,
        )
    try:
        await wait_until_listening(ssh_port, simulator)
        await wait_until_listening(http_port, webhook)
        yield f"http://127.0.0.1:{http_port}", config
    finally:
        # uvicorn shuts down gracefully on SIGTERM, then re-raises it (exit status -15).
        assert await stop(webhook) in (0, -signal.SIGTERM)
        await stop(simulator)
    assert "Application shutdown complete" in log.read_text()
    assert "proc-pw" not in log.read_text()


async def read_port(config: SwitchConfig, interface: str) -> PortConfig:
    def read() -> PortConfig:
        with ScrapliIosDriver().session(config) as session:
            return session.port_config(interface)

    return await asyncio.to_thread(read)


async def wait_for_vlan(config: SwitchConfig, interface: str, vlan: int) -> PortConfig:
    for _ in range(100):
        port = await read_port(config, interface)
        if port.access_vlan == vlan:
            return port
        await asyncio.sleep(0.1)
    raise AssertionError(f"{interface} never reached VLAN {vlan}")


async def test_console_script_provisions_the_simulator_process(
    programs: tuple[str, SwitchConfig],
) -> None:
    url, config = programs
    reservation_id = uuid.uuid4()
    async with httpx.AsyncClient(base_url=url) as client:
        for type_, vlan in (
            (EventType.RESERVATION_STARTING, 142),
            (EventType.RESERVATION_ENDED, 1),
        ):
            event = reservation_event(type_, reservation_id=reservation_id, interface="Gi1/0/2")
            body = json.dumps(event).encode()
            response = await client.post("/webhook", content=body, headers=signed_headers(body))
            assert response.status_code == 202
            port = await wait_for_vlan(config, "GigabitEthernet1/0/2", vlan)
        assert port.shutdown
        assert (await client.get("/healthz")).status_code == 200
