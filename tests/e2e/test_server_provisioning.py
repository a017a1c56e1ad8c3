"""Issue 17's failure rule, through every part: a server booking whose BMC refuses connections
or never answers is reported ``failed`` by the server-provisioning example, and the reservation
stays visible to its owner with the failure and its reason.

The failed report fails the booking (status ``failed``; the server type keeps the default
``on_provisioning_failure: release``, so its period is free again), and the failure with its
reason is shown in the owner's list and notified to the owner.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncssh
import pytest
from server_provisioning_webhook import HostConfig, Settings, create_app

from e2e.api import Api
from e2e.conftest import Platform
from e2e.harness import LoopbackServer, eventually, free_port

pytestmark = pytest.mark.asyncio(loop_scope="session")

CLIENT_ID = "server-provisioning-webhook"
EVENTS = [
    "reservation.starting",
    "reservation.updated",
    "reservation.ended",
    "reservation.cancelled",
]


@asynccontextmanager
async def refusing_bmc() -> AsyncIterator[str]:
    """A BMC address where nothing listens: every connection is refused."""
    yield f"http://127.0.0.1:{free_port()}"


@asynccontextmanager
async def silent_bmc() -> AsyncIterator[str]:
    """A BMC that accepts the connection and the request, and never answers."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)
        await reader.read()

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        for writer in connections:
            writer.close()
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def server_receiver(
    platform: Platform, secret: str, port: int, bmc_url: str, state: Path
) -> AsyncIterator[Any]:
    settings = Settings(
        webhook_secret=secret,
        state_path=state,
        hosts={
            "node1": HostConfig(
                bmc_url=bmc_url,
                system_id="/redfish/v1/Systems/1",
                username="provisioning",
                password="e2e-bmc-password",
                address="127.0.0.1",
                ssh_port=free_port(),
            )
        },
        default_image="http://127.0.0.1:9/os.iso",
        allowed_image_prefixes=["http://127.0.0.1:9/"],
        api_url=platform.api_url,
        oidc_issuer=platform.realm.issuer,
        client_secret=platform.realm.client_secret(CLIENT_ID),
        report_backoff_seconds=0.2,
        bmc_timeout_seconds=1,
        boot_timeout_seconds=30,
        poll_seconds=0.2,
    )
    app = create_app(settings)
    server = await LoopbackServer(app, port=port).start()
    try:
        yield app
    finally:
        await server.stop()


@pytest.mark.parametrize("bmc", [refusing_bmc, silent_bmc], ids=["refusing", "silent"])
async def test_a_failing_bmc_gives_failed_and_the_booking_stays_visible(
    api: Api,
    platform: Platform,
    tmp_path: Path,
    bmc: Callable[[], Any],
) -> None:
    site = await api.create_site(members={"bob": "member"})
    server_type = await api.create_resource_type(
        "alice", site["id"], name="Server", parameters={"type": "object"}, lead_time="PT2S"
    )
    node = await api.create_resource(
        "alice", site["id"], name="node1", type_id=server_type["id"], attributes={"host": "node1"}
    )
    port = free_port()
    subscription = await api.create_subscription(
        "alice",
        site["id"],
        name="servers",
        url=f"http://127.0.0.1:{port}/webhook",
        event_types=EVENTS,
        integration_client_id=CLIENT_ID,
        scope={"kind": "resource_type", "ids": [server_type["id"]]},
    )
    public = asyncssh.generate_private_key("ssh-ed25519").export_public_key("openssh").decode()
    await api.expect(201, "bob", "POST", "/users/me/ssh-keys", json={"public_key": public})

    async with (
        bmc() as bmc_url,
        server_receiver(
            platform, subscription["secret"], port, bmc_url, tmp_path / "state.sqlite3"
        ) as app,
    ):
        start = datetime.now(UTC) + timedelta(seconds=3)
        booked = await api.book("bob", node["id"], start, start + timedelta(minutes=30))
        assert booked.status_code == 201, booked.text
        reservation_id = booked.json()["id"]

        def provisioning_is(state: str) -> Callable[[], Awaitable[bool]]:
            async def check() -> bool:
                reservation = await api.reservation("bob", reservation_id)
                return bool(reservation["provisioning"]["state"] == state)

            return check

        await eventually(provisioning_is("failed"), timeout=90, what="provisioning failed")
        await app.state.reporter.join()

    reservation = await api.reservation("bob", reservation_id)
    assert reservation["status"] == "failed"
    assert "BMC" in reservation["status_reason"]
    assert reservation["provisioning"]["state"] == "failed"
    assert "BMC" in reservation["provisioning"]["message"]
    assert reservation["provisioning"]["details"] == {"host": "node1"}
    # Visible where the owner looks: their own list, and a notification with the reason.
    mine = await api.expect(
        200, "bob", "GET", "/reservations", params={"mine": "true", "size": 100}
    )
    listed = {item["id"]: item for item in mine["items"]}
    assert listed[reservation_id]["provisioning"]["state"] == "failed"
    notes = [
        n
        for n in await api.notifications("bob")
        if reservation_id in str(n["links"]) and "failed" in n["message"]
    ]
    assert notes and "BMC" in notes[0]["message"]
    # The fair-use rule for a failed booking of this type (release, the default): its period is
    # free again, so the host can be booked over it at once.
    again = await api.book(
        "bob", node["id"], start + timedelta(minutes=20), start + timedelta(minutes=25)
    )
    assert again.status_code == 201, again.text
