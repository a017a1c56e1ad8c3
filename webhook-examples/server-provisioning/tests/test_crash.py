"""kill -9 of the receiver in the middle of a provisioning round: the restarted process resumes
the acknowledged job from its SQLite queue and the host comes up for the owner."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from pathlib import Path

import httpx
from conftest import (
    SYSTEM,
    WEBHOOK_SECRET,
    Platform,
    can_log_in,
    free_port,
    key_pair,
    reservation_event,
    signed_headers,
    wait_listening,
)
from reservation_common.events import EventType
from server_provisioning_webhook.hostsim import SimulatedHost

STARTING = EventType.RESERVATION_STARTING


async def _start(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server_provisioning_webhook", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await wait_listening(port)
    return process


async def _kill(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()


async def test_kill_9_mid_provisioning_resumes_and_finishes(
    tmp_path: Path, emulator: str, image_server: str, sim_host: SimulatedHost, platform: Platform
) -> None:
    port = free_port()
    hosts = {
        "node1": {
            "bmc_url": emulator, "system_id": SYSTEM, "username": "bmc",
            "password": "bmc-password", "address": "127.0.0.1", "ssh_port": sim_host.ssh_port,
        }
    }  # fmt: skip
    env = {
        **os.environ,
        "SERVER_PROV_PORT": str(port),
        "SERVER_PROV_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SERVER_PROV_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "SERVER_PROV_STATE_PATH": str(tmp_path / "state.sqlite3"),
        "SERVER_PROV_HOSTS": json.dumps(hosts),
        "SERVER_PROV_DEFAULT_IMAGE": f"{image_server}os.iso",
        "SERVER_PROV_ALLOWED_IMAGE_PREFIXES": json.dumps([image_server]),
        "SERVER_PROV_API_URL": platform.url,
        "SERVER_PROV_OIDC_ISSUER": platform.issuer,
        "SERVER_PROV_CLIENT_SECRET": platform.client_secret,
        "SERVER_PROV_POLL_SECONDS": "0.2",
    }
    owner, public = key_pair()
    rid = uuid.uuid4()
    event = reservation_event(STARTING, rid, [public])
    platform.current[rid] = event["data"]
    body = json.dumps(event).encode()

    first = await _start(env, port)
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.post(
                f"http://127.0.0.1:{port}/webhook", content=body, headers=signed_headers(body)
            )
        assert answer.status_code == 202
        await platform.wait_for(rid, "in_progress", timeout=30)
        # Kill once the BMC holds the image: the round is half done (media in, maybe a
        # power-on pending that takes effect later), the host not yet up.
        async with httpx.AsyncClient() as client, asyncio.timeout(30):
            while not (await client.get(f"{emulator}{SYSTEM}/VirtualMedia/Cd")).json()["Image"]:
                await asyncio.sleep(0.05)
    finally:
        await _kill(first)
    assert "ready" not in platform.states(rid)

    second = await _start(env, port)
    try:
        await platform.wait_for(rid, "ready", timeout=120)
    finally:
        second.terminate()
        await second.wait()
    assert await can_log_in(sim_host.ssh_port, owner)
