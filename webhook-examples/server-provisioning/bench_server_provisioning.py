"""Provisioning rounds from booking to release, timed: against the sushy-tools Redfish emulator
(fake driver, which applies each power change 1-11 s after it is asked, at random, as slow BMCs
do) and the simulated host.

    uv run python webhook-examples/server-provisioning/bench_server_provisioning.py [--rounds 3]

Prints, per round: the webhook's answer time, the time from the start event until the owner's
key logs in over SSH, and from the end event until the host is off with its user-data wiped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import asyncssh
import httpx
import uvicorn
from reservation_common.events import (
    EventType,
    OwnerData,
    Period,
    ReservationData,
    ReservationEventData,
    ResourceData,
    ResourceTypeRef,
    SiteRef,
    make_event,
)
from reservation_common.testing import free_port
from server_provisioning_webhook import HostConfig, Settings, create_app
from server_provisioning_webhook.hostsim import SimulatedHost
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_" + "YmVuY2gtc2VydmVyLXByb3Zpc2lvbmluZy1zZWNyZXQ="
SYSTEM_UUID = "0b5c6d1a-4f5e-4f8e-9a57-3c1c2b7a9e02"
SYSTEM = f"/redfish/v1/Systems/{SYSTEM_UUID}"


def event(type_: EventType, rid: uuid.UUID, key: str, status: str) -> bytes:
    now = datetime.now(UTC)
    data = ReservationEventData(
        reservation=ReservationData(
            id=rid, title="bench", status=status,
            period=Period(start=now, end=now + timedelta(hours=1)), version=1,
        ),
        resource=ResourceData(
            id=uuid.uuid4(), name="node1", status="active",
            type=ResourceTypeRef(id=uuid.uuid4(), name="Server"), attributes={"host": "node1"},
        ),
        site=SiteRef(id=uuid.uuid4(), slug="lab", name="Lab"),
        owner=OwnerData(id="u", username="bench", ssh_keys=[key]),
    )  # fmt: skip
    return json.dumps(make_event(type_, data).model_dump(mode="json")).encode()


def headers(body: bytes) -> dict[str, str]:
    msg_id, now = f"msg_{uuid.uuid4().hex}", datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(msg_id, now, body.decode()),
    }


async def logs_in(port: int, key: asyncssh.SSHKey) -> bool:
    try:
        async with asyncssh.connect(
            "127.0.0.1", port, username="cloud", client_keys=[key], known_hosts=None,
            connect_timeout=2,
        ):  # fmt: skip
            return True
    except (OSError, asyncssh.Error):
        return False


async def wait(check: Any) -> float:
    """Seconds until ``check()`` is true, polled every 50 ms (at most three minutes)."""
    began = time.monotonic()
    async with asyncio.timeout(180):
        while not await check():  # noqa: ASYNC110 - remote state, polled
            await asyncio.sleep(0.05)
    return time.monotonic() - began


async def listening(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def bench(rounds: int, workdir: Path) -> None:
    redfish_port = free_port()
    config = workdir / "emulator.conf"
    systems = [{"uuid": SYSTEM_UUID, "name": "node1", "power_state": "Off", "nics": []}]
    config.write_text(
        f"SUSHY_EMULATOR_FAKE_DRIVER = True\nSUSHY_EMULATOR_FAKE_SYSTEMS = {systems!r}\n"
        f"SUSHY_EMULATOR_STATE_DIR = {str(workdir / 'state')!r}\n"
    )
    emulator = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sushy_tools.emulator.main", "--fake", "--config", str(config),
        "--interface", "127.0.0.1", "--port", str(redfish_port),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    images = workdir / "images"
    images.mkdir()
    (images / "os.iso").write_bytes(b"bench image")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(images), **kwargs)

        def log_message(self, *_: Any) -> None:
            pass

    image_server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    Thread(target=image_server.serve_forever, daemon=True).start()
    image_prefix = f"http://127.0.0.1:{image_server.server_address[1]}/"
    redfish = f"http://127.0.0.1:{redfish_port}"
    host = SimulatedHost(redfish_url=redfish, system_id=SYSTEM, ssh_port=free_port())
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        webhook_secret=SECRET, public_url=url, state_path=workdir / "state.sqlite3",
        hosts={"node1": HostConfig(
            bmc_url=redfish, system_id=SYSTEM, username="bmc", password="bench",
            address="127.0.0.1", ssh_port=host.ssh_port,
        )},
        default_image=f"{image_prefix}os.iso", allowed_image_prefixes=[image_prefix],
        poll_seconds=0.1,
    )  # fmt: skip
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, log_level="error", access_log=False))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await host.start()
    rows: list[tuple[float, float, float]] = []
    try:
        await wait(lambda: listening(redfish_port))
        await wait(lambda: listening(sock.getsockname()[1]))
        async with httpx.AsyncClient(base_url=url) as client:
            for number in range(1, rounds + 1):
                key = asyncssh.generate_private_key("ssh-ed25519")
                public = key.export_public_key("openssh").decode().strip()
                rid = uuid.uuid4()
                body = event(EventType.RESERVATION_STARTING, rid, public, "confirmed")
                began = time.monotonic()
                answer = await client.post("/webhook", content=body, headers=headers(body))
                acked = time.monotonic() - began
                assert answer.status_code == 202, answer.text
                ready = await wait(lambda key=key: logs_in(host.ssh_port, key)) + acked
                body = event(EventType.RESERVATION_ENDED, rid, public, "completed")
                began = time.monotonic()
                await client.post("/webhook", content=body, headers=headers(body))

                async def wiped() -> bool:
                    return not host.running and app.state.store.booking_of_host("node1") is None

                released = await wait(wiped)
                rows.append((acked, ready, released))
                print(
                    f"round {number}: webhook answered in {acked * 1000:.0f} ms, "
                    f"owner logged in after {ready:.1f} s, released after {released:.1f} s"
                )
    finally:
        server.should_exit = True
        await serving
        await host.stop()
        image_server.shutdown()
        emulator.kill()
        await emulator.wait()
    for name, index in (("ready", 1), ("released", 2)):
        values = [row[index] for row in rows]
        print(
            f"{name}: median {statistics.median(values):.1f} s, "
            f"min {min(values):.1f} s, max {max(values):.1f} s over {len(values)} rounds"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        asyncio.run(bench(args.rounds, Path(workdir)))


if __name__ == "__main__":
    main()
