"""Issue 4's checks that need every part: booking -> outbox -> relay -> RabbitMQ -> processor ->
signed webhook at the minimal receiver, and the tenancy boundary on the way."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from e2e.api import Api
from e2e.harness import eventually
from e2e.receivers import MinimalReceivers, Received

pytestmark = pytest.mark.asyncio(loop_scope="session")

LIFECYCLE = [
    "reservation.created",
    "reservation.starting",
    "reservation.started",
    "reservation.ending_soon",
    "reservation.ended",
]


async def subscribe_minimal(
    api: Api,
    receivers: MinimalReceivers,
    site_id: str,
    *,
    fail_first: int = 0,
    delay: float = 0.0,
    **body: Any,
) -> tuple[str, dict[str, Any]]:
    """A site-wide subscription served by a minimal receiver of its own."""
    name = f"r{uuid.uuid4().hex[:10]}"
    subscription = await api.create_subscription(
        "alice", site_id, name=name, url=receivers.url(name), **{"scope": {"kind": "site"}, **body}
    )
    receivers.add(name, subscription["secret"], fail_first=fail_first, delay=delay)
    return name, subscription


async def bookable(api: Api, site_id: str, **type_body: Any) -> str:
    rtype = await api.create_resource_type(
        "alice", site_id, name=f"type {uuid.uuid4().hex[:6]}", **type_body
    )
    resource = await api.create_resource("alice", site_id, name="bench 1", type_id=rtype["id"])
    return str(resource["id"])


async def test_booking_events_arrive_signed_with_a_webhook_id_stable_across_retries(
    api: Api, minimal_receivers: MinimalReceivers
) -> None:
    site = await api.create_site(members={"bob": "member"})
    # Every delivery's first attempt is answered 503: the retry must carry the same id.
    name, subscription = await subscribe_minimal(
        api, minimal_receivers, site["id"], event_types=LIFECYCLE, fail_first=1
    )
    resource_id = await bookable(api, site["id"])
    start = datetime.now(UTC) + timedelta(seconds=2)
    booked = await api.book("bob", resource_id, start, start + timedelta(seconds=2))
    assert booked.status_code == 201, booked.text
    reservation_id = booked.json()["id"]

    await eventually(
        lambda: {e["type"] for e in minimal_receivers.events(name)} >= set(LIFECYCLE),
        timeout=40,
        what="every lifecycle event at the receiver",
    )
    accepted = minimal_receivers.accepted(name)
    assert sorted(e["type"] for e in minimal_receivers.events(name)) == sorted(LIFECYCLE)
    for item in accepted:
        assert minimal_receivers.verify_with_library(item), item.headers
        assert item.webhook_id.startswith("msg_")
        assert item.headers["content-type"].startswith("application/json")
        event = item.event
        assert event["id"].startswith("evt_")
        assert event["data"]["reservation"]["id"] == reservation_id
        assert event["data"]["site"]["id"] == site["id"]
    # One webhook-id per event, distinct between events, the same on the refused first attempt.
    by_id: dict[str, list[Any]] = defaultdict(list)
    for item in minimal_receivers.for_name(name):
        by_id[item.webhook_id].append(item)
    assert len(by_id) == len(LIFECYCLE)
    for webhook_id, attempts in by_id.items():
        assert [(a.status, a.outcome) for a in attempts] == [(503, ""), (202, "accepted")], (
            webhook_id
        )
        assert len({a.event["id"] for a in attempts}) == 1
        assert len({a.body for a in attempts}) == 1  # the same bytes, signed anew per attempt
    # Emitted in lifecycle order (deliveries run in parallel, so arrival order may differ).
    emitted = sorted(
        minimal_receivers.events(name), key=lambda e: datetime.fromisoformat(e["timestamp"])
    )
    assert [e["type"] for e in emitted] == LIFECYCLE
    # The site admin sees the same deliveries and every attempt through the API...
    base = f"/sites/{site['id']}/webhooks/{subscription['id']}/deliveries"
    deliveries = (await api.expect(200, "alice", "GET", base, params={"size": 100}))["items"]
    assert {d["webhook_id"] for d in deliveries} == set(by_id)
    assert {d["status"] for d in deliveries} == {"succeeded"}
    one = next(d for d in deliveries if d["event_type"] == "reservation.started")
    attempts = (await api.expect(200, "alice", "GET", f"{base}/{one['id']}/attempts"))["items"]
    assert sorted(a["status_code"] for a in attempts) == [202, 503]
    # ...and a redelivery reaches the receiver under the same webhook-id, which dedupes it.
    await api.expect(202, "alice", "POST", f"{base}/{one['id']}/redeliver")
    await eventually(
        lambda: len(by_id_now(minimal_receivers, name, one["webhook_id"])) == 3,
        timeout=20,
        what="the redelivery",
    )
    again = by_id_now(minimal_receivers, name, one["webhook_id"])[-1]
    assert again.outcome == "duplicate" and json.loads(again.body)["id"] == one["event_id"]
    assert minimal_receivers.verify_with_library(again)


async def test_events_of_a_site_never_reach_another_sites_subscriptions(
    api: Api, minimal_receivers: MinimalReceivers, database: AsyncEngine
) -> None:
    sites = [await api.create_site(members={"bob": "member"}) for _ in range(3)]
    # Site 0 has no subscription at all; sites 1 and 2 subscribe to everything.
    subscribed = sites[1:]
    names = [(await subscribe_minimal(api, minimal_receivers, s["id"]))[0] for s in subscribed]
    resources = [await bookable(api, s["id"]) for s in sites]
    start = datetime.now(UTC) + timedelta(days=2)
    booked: dict[str, list[str]] = defaultdict(list)
    for n in range(3):
        # Site 0 first: its events are ahead of the others in the relay's order and the queue.
        for site, resource_id in zip(sites, resources, strict=True):
            slot = start + timedelta(hours=n)
            response = await api.book("bob", resource_id, slot, slot + timedelta(minutes=30))
            assert response.status_code == 201, response.text
            booked[site["id"]].append(response.json()["id"])

    for site, name in zip(subscribed, names, strict=True):
        await eventually(
            lambda name=name, site=site: (
                {
                    e["data"]["reservation"]["id"]
                    for e in minimal_receivers.events(name, ["reservation.created"])
                }
                == set(booked[site["id"]])
            ),
            timeout=30,
            what="each subscribed site's bookings at its receiver",
        )
    site_ids = [s["id"] for s in sites]

    async def every_event_fanned_out() -> bool:
        async with database.connect() as conn:
            left = await conn.scalar(
                text(
                    "SELECT count(*) FROM outbox o WHERE o.type LIKE 'reservation.%'"
                    " AND o.payload->'data'->'site'->>'id' = ANY(:sites)"
                    " AND (o.published_at IS NULL OR NOT EXISTS"
                    "  (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.payload->>'id'"
                    "   AND d.status = 'succeeded'))"
                ),
                {"sites": site_ids[1:]},
            )
            unpublished = await conn.scalar(
                text(
                    "SELECT count(*) FROM outbox o WHERE o.published_at IS NULL"
                    " AND o.payload->'data'->'site'->>'id' = :site"
                ),
                {"site": site_ids[0]},
            )
        return bool(left == 0 and unpublished == 0)

    await eventually(
        every_event_fanned_out,
        timeout=30,
        what="every event published, and delivered where subscribed",
    )
    async with database.connect() as conn:
        crossed = await conn.scalar(
            text(
                "SELECT count(*) FROM webhook_deliveries d"
                " JOIN webhook_subscriptions s ON s.id = d.subscription_id"
                " WHERE s.site_id::text = ANY(:sites)"
                " AND d.payload->'data'->'site'->>'id' <> s.site_id::text"
            ),
            {"sites": site_ids},
        )
    assert crossed == 0
    for site, name in zip(subscribed, names, strict=True):
        seen_sites = {r.event["data"]["site"]["id"] for r in minimal_receivers.for_name(name)}
        assert seen_sites == {site["id"]}
    others = {r.event["data"]["site"]["id"] for r in minimal_receivers.received if r.body}
    assert site_ids[0] not in others


def by_id_now(receivers: MinimalReceivers, name: str, webhook_id: str) -> list[Received]:
    return [r for r in receivers.for_name(name) if r.webhook_id == webhook_id]
