"""Real protocol peers: the sushy-tools Redfish emulator (fake driver) in its own process, an
image server, a simulated host that boots from what its BMC holds, and the receiver over HTTP.

Reports and state reads go to a stand-in backend on loopback that records them and answers the
reservation as the test says the platform has it.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread
from typing import Any

import asyncssh
import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from reservation_common.auth import InvalidTokenError, TokenVerifier
from reservation_common.events import (
    CoUserData,
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

WEBHOOK_SECRET = "whsec_" + "c2VydmVyLXByb3Zpc2lvbmluZy10ZXN0LXNlY3JldA=="
SYSTEM_UUID = "6d1a4f5e-0b5c-4f8e-9a57-3c1c2b7a9e01"
SYSTEM = f"/redfish/v1/Systems/{SYSTEM_UUID}"
RESOURCE_ID = uuid.uuid4()


async def wait_listening(port: int, timeout: float = 20.0) -> None:
    async with asyncio.timeout(timeout):
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                await asyncio.sleep(0.1)
            else:
                writer.close()
                await writer.wait_closed()
                return


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[str]:
    port = free_port()
    config = tmp_path / "emulator.conf"
    systems = [{"uuid": SYSTEM_UUID, "name": "node1", "power_state": "Off", "nics": []}]
    config.write_text(
        "SUSHY_EMULATOR_FAKE_DRIVER = True\n"
        f"SUSHY_EMULATOR_FAKE_SYSTEMS = {systems!r}\n"
        f"SUSHY_EMULATOR_STATE_DIR = {str(tmp_path / 'emulator-state')!r}\n"
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sushy_tools.emulator.main", "--config", str(config),
        "--interface", "127.0.0.1", "--port", str(port), "--fake",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        await wait_listening(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.kill()
        await process.wait()


@pytest.fixture
def image_server(tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "images"
    root.mkdir()
    (root / "os.iso").write_bytes(b"an OS image")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def sim_host(emulator: str) -> AsyncIterator[SimulatedHost]:
    host = SimulatedHost(redfish_url=emulator, system_id=SYSTEM, ssh_port=free_port())
    await host.start()
    yield host
    await host.stop()


@dataclass
class Platform:
    issuer: str
    client_secret: str
    url: str = ""
    current: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    reports: list[dict[str, Any]] = field(default_factory=list)
    # Notified at every report received: waits react to it instead of polling.
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    def states(self, rid: uuid.UUID) -> list[str]:
        return [r["state"] for r in self.reports if r["reservation_id"] == rid]

    async def record(self, report: dict[str, Any]) -> None:
        async with self.arrived:
            self.reports.append(report)
            self.arrived.notify_all()

    async def wait_for(self, rid: uuid.UUID, state: str, timeout: float) -> None:
        """Return once ``state`` was reported for ``rid``; TimeoutError after ``timeout``."""
        async with asyncio.timeout(timeout), self.arrived:
            await self.arrived.wait_for(lambda: state in self.states(rid))


CLIENT_ID = "server-provisioning-webhook"


@pytest.fixture
async def platform(test_realm: Any) -> AsyncIterator[Platform]:
    """A stand-in backend: verifies every bearer token against the test realm (only this
    integration's client is served), answers the reservation as ``current`` says, records
    reports."""
    seen = Platform(issuer=test_realm.issuer, client_secret=test_realm.client_secret(CLIENT_ID))
    verifier = TokenVerifier(test_realm.issuer, "reservation-api")
    app = FastAPI()

    async def allowed(request: Request) -> bool:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            principal = await verifier.verify(token)
        except InvalidTokenError:
            return False
        return principal.client_id == CLIENT_ID

    @app.get("/api/v1/reservations/{rid}/provisioning")
    async def current(rid: uuid.UUID, request: Request) -> JSONResponse:
        if not await allowed(request):
            return JSONResponse({"title": "bad token"}, status_code=401)
        data = seen.current.get(rid)
        return JSONResponse(data or {}, status_code=200 if data else 404)

    @app.post("/api/v1/reservations/{rid}/provisioning")
    async def report(rid: uuid.UUID, request: Request) -> JSONResponse:
        if not await allowed(request):
            return JSONResponse({"title": "bad token"}, status_code=401)
        await seen.record({"reservation_id": rid, **await request.json()})
        return JSONResponse({})

    try:
        async with _served(app) as url:
            seen.url = url
            yield seen
    finally:
        await verifier.aclose()


@asynccontextmanager
async def _served(app: Any, sock: socket.socket | None = None) -> AsyncIterator[str]:
    if sock is None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(10):
            while not server.started:
                await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def make_settings(
    tmp_path: Path,
    emulator: str,
    image_server: str,
    host: SimulatedHost,
    platform: Platform,
    **overrides: Any,
) -> Settings:
    values: dict[str, Any] = {
        "webhook_secret": WEBHOOK_SECRET,
        "state_path": tmp_path / "state.sqlite3",
        "hosts": {
            "node1": HostConfig(
                bmc_url=emulator, system_id=SYSTEM, username="bmc", password="bmc-password",
                address="127.0.0.1", ssh_port=host.ssh_port, login_user="cloud",
            )
        },
        "default_image": f"{image_server}os.iso",
        "allowed_image_prefixes": [image_server],
        "api_url": platform.url,
        "oidc_issuer": platform.issuer,
        "client_secret": platform.client_secret,
        "report_backoff_seconds": 0.01,
        "boot_timeout_seconds": 60,
        "poll_seconds": 0.2,
    }  # fmt: skip
    values.update(overrides)
    return Settings(**values)


def signed_headers(body: bytes) -> dict[str, str]:
    msg_id = f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(WEBHOOK_SECRET).sign(msg_id, now, body.decode()),
    }


@dataclass
class Receiver:
    app: FastAPI
    url: str

    async def send(self, event: dict[str, Any]) -> httpx.Response:
        body = json.dumps(event).encode()
        async with httpx.AsyncClient() as client:
            return await client.post(
                f"{self.url}/webhook", content=body, headers=signed_headers(body)
            )

    async def settle(self, timeout: float = 120) -> None:
        async with asyncio.timeout(timeout):
            await self.app.state.worker.join()
            await self.app.state.reporter.join()


@asynccontextmanager
async def running_receiver(settings: Settings) -> AsyncIterator[Receiver]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    public = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = create_app(settings.model_copy(update={"public_url": public}))
    async with app.router.lifespan_context(app), _served(app, sock) as url:
        yield Receiver(app, url)


def key_pair() -> tuple[asyncssh.SSHKey, str]:
    key = asyncssh.generate_private_key("ssh-ed25519")
    return key, key.export_public_key("openssh").decode().strip()


def reservation_event(
    type_: EventType,
    rid: uuid.UUID,
    keys: list[str],
    *,
    status: str = "confirmed",
    host: Any = "node1",
    version: int = 1,
    parameters: dict[str, Any] | None = None,
    co_users: dict[str, list[str]] | None = None,
) -> dict[str, Any]:
    """A reservation event; ``co_users`` maps a co-user's username to their public keys."""
    now = datetime.now(UTC)
    data = ReservationEventData(
        reservation=ReservationData(
            id=rid, title="server", status=status,
            period=Period(start=now, end=now + timedelta(hours=1)),
            parameters=parameters or {}, version=version,
        ),
        resource=ResourceData(
            id=RESOURCE_ID, name="node1", status="active",
            type=ResourceTypeRef(id=uuid.uuid4(), name="Server"), attributes={"host": host},
        ),
        site=SiteRef(id=uuid.uuid4(), slug="lab", name="Lab"),
        owner=OwnerData(id="u", username="alice", ssh_keys=keys),
        co_users=[
            CoUserData(id=f"id-{name}", username=name, role="attendee", ssh_keys=their_keys)
            for name, their_keys in (co_users or {}).items()
        ],
    )  # fmt: skip
    return make_event(type_, data).model_dump(mode="json")


async def can_log_in(port: int, key: asyncssh.SSHKey, user: str = "cloud") -> bool:
    try:
        async with asyncssh.connect(
            "127.0.0.1",
            port,
            username=user,
            client_keys=[key],
            known_hosts=None,
            connect_timeout=5,
        ) as conn:
            result = await conn.run("true", check=False)
            return result.exit_status == 0
    except (OSError, asyncssh.Error):
        return False
