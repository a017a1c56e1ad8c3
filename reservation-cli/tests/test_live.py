"""Commands that wait on the platform: ``book --wait-ready`` and ``events tail``, run as the
installed ``rsv`` while the test plays the integration (or another user) through the API."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from conftest import Cli, World
from reservation_testrealm.server import TestRealm
from sqlalchemy.engine import make_url

RSV = shutil.which("rsv")
INTEGRATION = "switch-port-webhook"


def start_rsv(*args: str) -> subprocess.Popen[str]:
    assert RSV is not None
    return subprocess.Popen(
        [RSV, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
    )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate()  # reaps it and closes its pipes


def wait_for(condition: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def _headers(test_realm: TestRealm, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {test_realm.token(username)}"}


def bind_integration(world: World, test_realm: TestRealm, database_url: str, rid: str) -> None:
    """What the event processor does before an integration may report: a subscription with
    the integration's client id, and a delivery of one of the reservation's events."""
    hook = world.api.post(
        f"/sites/{world.site}/webhooks",
        json={
            "name": f"switch-{uuid.uuid4().hex[:6]}",
            "url": "https://switch.example.test/webhook",
            "integration_client_id": INTEGRATION,
        },
        headers=_headers(test_realm, world.site_admin.username),
    )
    assert hook.status_code == 201, hook.text

    async def insert() -> None:
        dsn = make_url(database_url).set(drivername="postgresql").render_as_string(False)
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(
                "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type,"
                " subscription_id, site_id, reservation_id, payload, status, attempts)"
                " VALUES ($1, $2, $3, 'reservation.created', $4, $5, $6, '{}'::jsonb,"
                " 'succeeded', 1)",
                uuid.uuid4(),
                f"msg_{uuid.uuid4().hex}",
                f"evt_{uuid.uuid4().hex}",
                uuid.UUID(hook.json()["id"]),
                uuid.UUID(hook.json()["site_id"]),
                uuid.UUID(rid),
            )
        finally:
            await connection.close()

    asyncio.run(insert())


def report(test_realm: TestRealm, world: World, rid: str, state: str, message: str) -> None:
    response = world.api.post(
        f"/reservations/{rid}/provisioning",
        json={"state": state, "message": message},
        headers={"Authorization": f"Bearer {test_realm.service_token(INTEGRATION)}"},
    )
    assert response.status_code == 200, response.text


def own_reservations(test_realm: TestRealm, world: World) -> list[dict[str, Any]]:
    response = world.api.get(
        "/reservations",
        params={"mine": "true"},
        headers=_headers(test_realm, world.member.username),
    )
    return list(response.json()["items"])


def test_book_wait_ready_returns_when_the_integration_reports_ready(
    cli: Cli, world: World, test_realm: TestRealm, database_url: str
) -> None:
    cli.login(world.member)
    process = start_rsv(
        "book", f"{world.site}/port-1", "--start", "+1m", "--for", "1h",
        "--param", "vlan_id=42", "--wait-ready", "--poll", "0.3", "-o", "json",
    )  # fmt: skip
    try:
        booked = wait_for(lambda: own_reservations(test_realm, world))[0]
        time.sleep(1.0)  # still waiting: provisioning is pending
        assert process.poll() is None
        bind_integration(world, test_realm, database_url, booked["id"])
        report(test_realm, world, booked["id"], "in_progress", "configuring the port")
        report(test_realm, world, booked["id"], "ready", "port on VLAN 42")
        out, err = process.communicate(timeout=60)
    finally:
        stop(process)

    assert process.returncode == 0, err
    result = json.loads(out)
    assert result["id"] == booked["id"]
    assert result["provisioning"]["state"] == "ready"
    assert result["provisioning"]["message"] == "port on VLAN 42"


def test_book_wait_ready_fails_with_the_integrations_message(
    cli: Cli, world: World, test_realm: TestRealm, database_url: str
) -> None:
    cli.login(world.member)
    process = start_rsv(
        "book", f"{world.site}/port-2", "--start", "+1m", "--for", "1h",
        "--param", "vlan_id=43", "--wait-ready", "--poll", "0.3",
    )  # fmt: skip
    try:
        booked = wait_for(lambda: own_reservations(test_realm, world))[0]
        bind_integration(world, test_realm, database_url, booked["id"])
        report(test_realm, world, booked["id"], "failed", "switch unreachable")
        _, err = process.communicate(timeout=60)
    finally:
        stop(process)

    assert process.returncode == 1
    assert "provisioning failed: switch unreachable" in err


def test_wait_ready_gives_up_after_its_timeout(cli: Cli, world: World) -> None:
    cli.login(world.member)

    result = cli("book", f"{world.site}/server-1", "--start", "+1h", "--for", "1h",
                 "--wait-ready", "--timeout", "2s", "--poll", "0.5")  # fmt: skip

    assert result.exit_code == 1
    assert "provisioning pending after" in result.stderr


def test_events_tail_prints_a_change_made_by_someone_else(
    cli: Cli, world: World, test_realm: TestRealm
) -> None:
    cli.login(world.member)
    start = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    booked = world.api.post(
        "/reservations",
        json={
            "resource_id": world.resources["server-1"]["id"],
            "title": "watched",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        },
        headers=_headers(test_realm, world.member.username),
    ).json()
    process = start_rsv("events", "tail", "-n", "1", "-o", "json")
    try:
        assert process.stderr is not None
        assert "Listening" in process.stderr.readline()  # connected: changes from now on count
        admin = _headers(test_realm, world.site_admin.username)
        etag = world.api.get(f"/reservations/{booked['id']}", headers=admin).headers["ETag"]
        cancelled = world.api.post(
            f"/reservations/{booked['id']}/cancel",
            json={"reason": "room closed"},
            headers=admin | {"If-Match": etag},
        )
        assert cancelled.status_code == 200, cancelled.text
        out, err = process.communicate(timeout=30)
    finally:
        stop(process)

    assert process.returncode == 0, err
    event = json.loads(out.strip().splitlines()[0])
    assert event["event"] in ("reservation", "notification")
    assert booked["id"] in json.dumps(event["data"])
