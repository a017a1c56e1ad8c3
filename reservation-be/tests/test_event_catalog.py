"""Every event the backend emits, produced through the API and the lifecycle scheduler, matches
the event catalog in ``docs/events/``: one JSON Schema per type, format checks included.

One scenario in one site walks every producer (resources, CSV import, webhook test event,
bookings and decisions, the scheduler's reconciliation, an integration's provisioning report),
then every outbox row is validated against the schema of its type. The catalog's list of types
and the emitted types must be the same set: a type without a producer, or a producer emitting a
type or a shape the catalog does not describe, fails here.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
import yaml
from check_jsonschema.formats.implementations import validate_rfc3339
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import FastAPI
from jsonschema.validators import validator_for
from reservation_be.workers.scheduler import LifecycleScheduler
from reservation_db.models import OutboxMessage, Reservation
from reservation_db.models.webhook_delivery import WebhookDelivery
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.factories import add_member, create_site

CATALOG = Path(__file__).resolve().parents[2] / "docs" / "events"
INTEGRATION = "switch-port-webhook"
LEAD_TIME = timedelta(minutes=10)
ENDING_SOON_BEFORE = timedelta(minutes=15)

# Where each type is written, to name the producer when its envelope does not validate.
PRODUCERS = {
    "reservation.created": "reservations/service.py create -> _announce",
    "reservation.updated": "reservations/service.py update -> _announce",
    "reservation.approved": "reservations/service.py decide(approve) -> _announce",
    "reservation.rejected": "reservations/service.py decide(reject) -> _announce",
    "reservation.cancelled": "reservations/service.py decide(cancel) -> _announce",
    "reservation.starting": "workers/scheduler.py LifecycleScheduler._advance",
    "reservation.started": "workers/scheduler.py LifecycleScheduler._advance",
    "reservation.ending_soon": "workers/scheduler.py LifecycleScheduler._advance",
    "reservation.ended": "workers/scheduler.py LifecycleScheduler._advance",
    "reservation.provisioning_changed": "provisioning/service.py report",
    "reservation.released": "fairuse/service.py release -> _announce",
    "reservation.failed": "provisioning/service.py report(failed) -> _announce",
    "resource.created": "resources/service.py _create -> _emit",
    "resource.updated": "resources/service.py update -> _emit",
    "resource.status_changed": "resources/service.py update -> _emit",
    "resource.deleted": "resources/service.py delete",
    "webhook.ping": "webhooks/service.py send_test_event",
}

VLAN = {
    "type": "object",
    "properties": {"vlan_id": {"type": "integer", "minimum": 2, "maximum": 4094}},
    "required": ["vlan_id"],
    "additionalProperties": False,
}

AuthFactory = Callable[[str], Awaitable[dict[str, str]]]


# ---------------------------------------------------------------------------------------------
# The catalog


@cache
def catalog_types() -> frozenset[str]:
    """Event types the AsyncAPI document lists, each with its schema file."""
    doc = yaml.safe_load((CATALOG / "asyncapi.yaml").read_text())
    messages: dict[str, Any] = doc["components"]["messages"]
    for name, message in messages.items():
        schema_path = (CATALOG / message["payload"]["$ref"]).resolve()
        assert schema_path == (CATALOG / "schemas" / f"{name}.json").resolve(), name
        assert schema_path.is_file(), f"{name}: no schema file {schema_path}"
    return frozenset(messages)


def format_checker(cls: type[jsonschema.protocols.Validator]) -> jsonschema.FormatChecker:
    """The draft's checker, with RFC 3339 ``date-time`` even without jsonschema's extras."""
    checker = copy.deepcopy(cls.FORMAT_CHECKER)
    if "date-time" not in checker.checkers:
        checker.checks("date-time")(validate_rfc3339)
    return checker


@cache
def validator(event_type: str) -> jsonschema.protocols.Validator:
    schema = json.loads((CATALOG / "schemas" / f"{event_type}.json").read_text())
    cls = validator_for(schema)  # the draft the schema declares ($schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=format_checker(cls))


def violations(envelope: dict[str, Any]) -> list[str]:
    """Every way ``envelope`` breaks the catalog, one line each: type, field, producer."""
    event_type = str(envelope.get("type"))
    if event_type not in catalog_types():
        return [f"{event_type}: not in the catalog (producer: {PRODUCERS.get(event_type, '?')})"]
    return [
        f"{event_type} at {error.json_path}: {error.message} "
        f"(producer: {PRODUCERS.get(event_type, '?')})"
        for error in validator(event_type).iter_errors(envelope)
    ]


# ---------------------------------------------------------------------------------------------
# The scenario


@dataclass
class Scenario:
    client: httpx.AsyncClient
    auth: AuthFactory
    site_id: str = ""
    # Values that must never appear in an event: webhook secrets and bearer tokens.
    secrets: set[str] = field(default_factory=set)

    async def call(
        self, method: str, url: str, who: str, expected: int, **kwargs: Any
    ) -> httpx.Response:
        headers = {**await self.auth(who), **kwargs.pop("headers", {})}
        self.secrets.add(headers["Authorization"].removeprefix("Bearer "))
        response = await self.client.request(method, f"/api/v1{url}", headers=headers, **kwargs)
        assert response.status_code == expected, f"{method} {url}: {response.text}"
        return response


def ssh_public_key() -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return line.decode() + " bob@laptop"


async def resources_and_webhook(s: Scenario, slug: str) -> dict[str, str]:
    """resource.created/updated/status_changed/deleted and webhook.ping; returns ids."""
    rtype = await s.call(
        "POST", f"/sites/{slug}/resource-types", "alice", 201,
        json={"name": "switch", "parameters": VLAN, "lead_time": "PT10M",
              "teardown_grace": "PT5M", "requires_approval": True},
    )  # fmt: skip
    type_id = rtype.json()["id"]
    rack = await s.call(
        "POST", f"/sites/{slug}/resources", "alice", 201,
        json={"type_id": type_id, "name": "rack-b12", "attributes": {"room": "B12"}},
    )  # fmt: skip
    switch = await s.call(
        "POST", f"/sites/{slug}/resources", "alice", 201,
        json={"type_id": type_id, "parent_id": rack.json()["id"], "name": "switch-1",
              "location": "B12 U20", "attributes": {"ports": 48, "model": "C9300"}},
    )  # fmt: skip
    imported = await s.call(
        "POST", f"/sites/{slug}/resources/import", "alice", 201,
        content=(
            b"name,type,parent,description,location,status,attributes\r\n"
            b'switch-spare,switch,rack-b12,cold spare,,active,"{""ports"": 24}"\r\n'
        ),
        headers={"Content-Type": "text/csv"},
    )  # fmt: skip
    spare = imported.json()["items"][0]["id"]
    await s.call("PATCH", f"/resources/{spare}", "alice", 200, json={"attributes": {"ports": 12}})
    await s.call("PATCH", f"/resources/{spare}", "alice", 200, json={"status": "maintenance"})
    await s.call("DELETE", f"/resources/{spare}", "alice", 204)

    hook = await s.call(
        "POST", f"/sites/{s.site_id}/webhooks", "alice", 201,
        json={"name": "switch ports", "url": "https://receiver.example.test/hook",
              "integration_client_id": INTEGRATION},
    )  # fmt: skip
    secret = hook.json()["secret"]
    assert secret.startswith("whsec_")
    s.secrets.add(secret)
    hook_id = hook.json()["id"]
    await s.call("POST", f"/sites/{s.site_id}/webhooks/{hook_id}/test", "alice", 202)
    return {"rack": rack.json()["id"], "switch": switch.json()["id"], "webhook": hook_id}


async def bookings(s: Scenario, ids: dict[str, str], start: datetime) -> str:
    """reservation.created/approved/updated/rejected/cancelled; returns the approved one."""

    def book(resource: str, hours: tuple[int, int], vlan: int) -> dict[str, Any]:
        return {
            "resource_id": ids[resource],
            "title": f"VLAN {vlan} lab",
            "start": (start + timedelta(hours=hours[0])).isoformat(),
            "end": (start + timedelta(hours=hours[1])).isoformat(),
            "parameters": {"vlan_id": vlan},
        }

    kept = await s.call("POST", "/reservations", "bob", 201, json=book("switch", (0, 2), 42))
    assert kept.json()["status"] == "pending"
    rid = kept.json()["id"]
    approved = await s.call(
        "POST", f"/reservations/{rid}/approve", "alice", 200,
        headers={"If-Match": kept.headers["ETag"]},
    )  # fmt: skip
    await s.call(
        "PATCH", f"/reservations/{rid}", "bob", 200,
        json={"title": "VLAN 42 interop lab"}, headers={"If-Match": approved.headers["ETag"]},
    )  # fmt: skip

    refused = await s.call("POST", "/reservations", "bob", 201, json=book("switch", (3, 4), 43))
    await s.call(
        "POST", f"/reservations/{refused.json()['id']}/reject", "alice", 200,
        json={"reason": "VLAN 43 is reserved for the uplink"},
    )  # fmt: skip
    dropped = await s.call("POST", "/reservations", "bob", 201, json=book("rack", (5, 6), 44))
    await s.call(
        "POST", f"/reservations/{dropped.json()['id']}/cancel", "bob", 200,
        json={"reason": "no longer needed"},
    )  # fmt: skip
    # reservation.series.created/updated/cancelled
    weekly = await s.call(
        "POST", "/reservation-series", "bob", 201,
        json={**book("rack", (8, 9), 45), "rrule": "FREQ=DAILY;COUNT=2"},
    )  # fmt: skip
    series = f"/reservation-series/{weekly.json()['id']}"
    renamed = await s.call(
        "PATCH", series, "bob", 200, json={"title": "VLAN 45 soak test"},
        headers={"If-Match": weekly.headers["ETag"]},
    )  # fmt: skip
    await s.call(
        "POST", f"{series}/cancel", "bob", 200, json={"scope": "all"},
        headers={"If-Match": renamed.headers["ETag"]},
    )  # fmt: skip
    return str(rid)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def fan_out(
    sm: async_sessionmaker[AsyncSession], envelope: dict[str, Any], webhook_id: str
) -> None:
    """The delivery the event processor records when it delivered ``envelope`` to the hook."""
    async with sm() as session:
        session.add(
            WebhookDelivery(
                webhook_id=f"msg_{uuid.uuid4().hex}",
                event_id=envelope["id"],
                event_type=envelope["type"],
                subscription_id=uuid.UUID(webhook_id),
                site_id=uuid.UUID(envelope["data"]["site"]["id"]),
                reservation_id=uuid.UUID(envelope["data"]["reservation"]["id"]),
                payload=envelope,
                status="succeeded",
                attempts=1,
                last_status_code=204,
                completed_at=datetime.now(UTC),
            )
        )
        await session.commit()


async def outbox(sm: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sm() as session:
        rows = await session.execute(
            select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)
        )
        return list(rows.scalars())


def about(rows: list[OutboxMessage], reservation_id: str) -> list[dict[str, Any]]:
    return [
        r.payload
        for r in rows
        if r.payload["data"].get("reservation", {}).get("id") == reservation_id
    ]


async def lifecycle(
    s: Scenario,
    sm: async_sessionmaker[AsyncSession],
    service_auth: AuthFactory,
    ids: dict[str, str],
    rid: str,
    start: datetime,
) -> None:
    """starting, a provisioning report, started, ending_soon, ended: the scheduler's clock is
    set just past each due time in turn, so each pass emits exactly the next event."""
    end = start + timedelta(hours=2)
    clock = Clock(start - LEAD_TIME - timedelta(seconds=1))
    scheduler = LifecycleScheduler(
        sessionmaker=sm, ending_soon_before=ENDING_SOON_BEFORE, clock=clock
    )
    assert await scheduler.run_once() == 0, "nothing is due before the lead time"

    due_times = {
        "reservation.starting": start - LEAD_TIME,
        "reservation.started": start,
        "reservation.ending_soon": end - ENDING_SOON_BEFORE,
        "reservation.ended": end,
    }
    for event_type, due in due_times.items():
        clock.now = due + timedelta(seconds=2)
        assert await scheduler.run_once() == 1, event_type
        latest = about(await outbox(sm), rid)[-1]
        assert latest["type"] == event_type
        assert datetime.fromisoformat(latest["data"]["due_at"]) == due
        assert latest["data"]["lateness_seconds"] == pytest.approx(2.0)
        if event_type == "reservation.starting":
            # The integration received "starting" and reports the port it configured.
            await fan_out(sm, latest, ids["webhook"])
            headers = await service_auth(INTEGRATION)
            s.secrets.add(headers["Authorization"].removeprefix("Bearer "))
            report = await s.client.post(
                f"/api/v1/reservations/{rid}/provisioning",
                json={"state": "ready", "message": "port Gi1/0/7 on VLAN 42",
                      "details": {"port": "Gi1/0/7", "vlan": 42}},
                headers=headers,
            )  # fmt: skip
            assert report.status_code == 200, report.text


async def fair_use(
    s: Scenario,
    sm: async_sessionmaker[AsyncSession],
    service_auth: AuthFactory,
    ids: dict[str, str],
    start: datetime,
    owner_id: str,
) -> None:
    """reservation.failed (an integration reports failed) and reservation.released (an active
    booking released early; active is the scheduler's doing, so it is written directly)."""
    booked = await s.call(
        "POST", "/reservations", "bob", 201,
        json={"resource_id": ids["rack"], "title": "doomed", "parameters": {"vlan_id": 45},
              "start": (start + timedelta(hours=8)).isoformat(),
              "end": (start + timedelta(hours=9)).isoformat()},
    )  # fmt: skip
    await s.call("POST", f"/reservations/{booked.json()['id']}/approve", "alice", 200)
    created = about(await outbox(sm), booked.json()["id"])[-1]
    await fan_out(sm, created, ids["webhook"])
    report = await s.client.post(
        f"/api/v1/reservations/{booked.json()['id']}/provisioning",
        json={"state": "failed", "message": "no power on the rack"},
        headers=await service_auth(INTEGRATION),
    )
    assert report.status_code == 200, report.text
    now = datetime.now(UTC)
    async with sm() as session:
        running = Reservation(
            site_id=uuid.UUID(s.site_id), resource_id=uuid.UUID(ids["rack"]), owner_id=owner_id,
            created_by=owner_id, title="running", status="active",
            period=Range(now - timedelta(hours=1), now + timedelta(hours=1), bounds="[)"),
        )  # fmt: skip
        session.add(running)
        await session.commit()
    await s.call("POST", f"/reservations/{running.id}/release", "bob", 200)


# ---------------------------------------------------------------------------------------------
# Tests


async def test_every_event_the_backend_emits_validates_against_its_catalog_schema(
    app: FastAPI,
    client: httpx.AsyncClient,
    auth: AuthFactory,
    service_auth: AuthFactory,
    session: AsyncSession,
    people: dict[str, str],
) -> None:
    sm = app.state.sessionmaker
    site = await create_site(session, commit=False)
    await add_member(session, site, people["alice"], "site-admin", username="alice", commit=False)
    await add_member(session, site, people["bob"], "member", username="bob")
    s = Scenario(client=client, auth=auth, site_id=str(site.id))
    await s.call("POST", "/users/me/ssh-keys", "bob", 201, json={"public_key": ssh_public_key()})

    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    ids = await resources_and_webhook(s, site.slug)
    rid = await bookings(s, ids, start)
    await lifecycle(s, sm, service_auth, ids, rid, start)
    await fair_use(s, sm, service_auth, ids, start, people["bob"])

    rows = await outbox(sm)
    problems = [line for row in rows for line in violations(row.payload)]
    assert not problems, "events off the catalog:\n" + "\n".join(problems)
    for row in rows:
        # Contract: the row's type is the envelope's, and the envelope id is evt_ + the row id.
        assert row.payload["type"] == row.type
        assert row.payload["id"] == f"evt_{row.id.hex}"
    emitted = {row.type for row in rows}
    assert emitted == catalog_types(), (
        f"catalog types never emitted: {sorted(catalog_types() - emitted)}; "
        f"emitted types off the catalog: {sorted(emitted - catalog_types())}"
    )

    assert [e["type"] for e in about(rows, rid)] == [
        "reservation.created",
        "reservation.approved",
        "reservation.updated",
        "reservation.starting",
        "reservation.provisioning_changed",
        "reservation.started",
        "reservation.ending_soon",
        "reservation.ended",
    ]
    ended = about(rows, rid)[-1]["data"]
    assert ended["reservation"]["status"] == "completed"
    assert ended["reservation"]["provisioning"]["state"] == "ready"
    assert [a["name"] for a in ended["resource"]["path"]] == ["rack-b12"]
    assert ended["owner"]["username"] == "bob" and ended["owner"]["email"]
    assert ended["owner"]["ssh_keys"][0].startswith("ssh-ed25519 ")

    assert len(s.secrets) >= 4  # alice's and bob's tokens, the integration's, the hook secret
    for row in rows:
        text = json.dumps(row.payload)
        assert "whsec_" not in text, f"{row.type} carries a webhook secret"
        assert "bearer" not in text.lower(), f"{row.type} carries a bearer token"
        leaked = [secret[:12] for secret in s.secrets if secret in text]
        assert not leaked, f"{row.type} carries a secret starting {leaked}"


def test_the_catalog_check_refuses_off_catalog_shapes_and_bad_formats() -> None:
    site = {"id": str(uuid.uuid4()), "slug": "lab", "name": "Lab"}
    ping: dict[str, Any] = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "webhook.ping",
        "timestamp": "2030-05-01T09:00:00.123456+00:00",
        "data": {"site": site, "subscription_id": str(uuid.uuid4()), "message": "hi"},
    }
    assert violations(ping) == []
    naive = {**ping, "timestamp": "2030-05-01T09:00:00"}
    assert any("timestamp" in v and "date-time" in v for v in violations(naive))
    extra = {**ping, "data": {**ping["data"], "secret": "x"}}
    assert any("$.data" in v and "secret" in v for v in violations(extra))
    bad_uuid = {**ping, "data": {**ping["data"], "subscription_id": "17"}}
    assert any("subscription_id" in v and "uuid" in v for v in violations(bad_uuid))
    unknown = {**ping, "type": "reservation.teleported"}
    assert violations(unknown) == ["reservation.teleported: not in the catalog (producer: ?)"]
