import uuid

import pytest
from factories import (
    create_site,
    create_subscription,
    ping_event,
    reservation_event,
    resource_data,
    resource_event,
)
from reservation_common.crypto import SecretBox
from reservation_common.events import EventType
from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_event_processor.fanout import InvalidEvent, fan_out, parse_event
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SM = async_sessionmaker[AsyncSession]


async def run_fan_out(sm: SM, event) -> int:  # type: ignore[no-untyped-def]
    parsed, keys = parse_event(event.model_dump_json())
    async with sm() as session, session.begin():
        return await fan_out(session, parsed, keys)


async def deliveries(sm: SM) -> list[WebhookDelivery]:
    async with sm() as session:
        return list((await session.execute(select(WebhookDelivery))).scalars())


async def test_redelivered_event_creates_nothing_twice(sm: SM, box: SecretBox) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site, name="a")
    await create_subscription(sm, box, site=site, name="b")
    event = reservation_event(site)
    assert await run_fan_out(sm, event) == 2
    assert await run_fan_out(sm, event) == 0
    rows = await deliveries(sm)
    assert len(rows) == 2
    assert {r.event_id for r in rows} == {event.id}
    assert all(r.webhook_id.startswith("msg_") for r in rows)
    assert len({r.webhook_id for r in rows}) == 2
    assert rows[0].payload == event.model_dump(mode="json")
    assert all(r.status == "pending" and r.next_attempt_at is not None for r in rows)
    assert {r.reservation_id for r in rows} == {uuid.UUID(event.data["reservation"]["id"])}


async def test_events_of_a_site_never_reach_another_sites_subscriptions(
    sm: SM, box: SecretBox
) -> None:
    site_a, site_b = await create_site(sm), await create_site(sm)
    sub_a, _ = await create_subscription(sm, box, site=site_a)
    await create_subscription(sm, box, site=site_b)
    await run_fan_out(sm, reservation_event(site_a))
    await run_fan_out(sm, resource_event(site_a))
    rows = await deliveries(sm)
    assert len(rows) == 2
    assert {r.subscription_id for r in rows} == {sub_a.id}
    assert {r.site_id for r in rows} == {site_a.id}


async def test_scope_matching_by_type_resource_and_subtree(sm: SM, box: SecretBox) -> None:
    site = await create_site(sm)
    rack, switch, type_id, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    by_type, _ = await create_subscription(
        sm, box, site=site, name="type", scope_kind="resource_type", scope_ids=[type_id]
    )
    by_resource, _ = await create_subscription(
        sm, box, site=site, name="res", scope_kind="resource", scope_ids=[switch]
    )
    by_subtree, _ = await create_subscription(
        sm,
        box,
        site=site,
        name="subtree",
        scope_kind="resource",
        scope_ids=[rack],
        include_subtree=True,
    )
    rack_only, _ = await create_subscription(
        sm, box, site=site, name="rack-only", scope_kind="resource", scope_ids=[rack]
    )
    unrelated, _ = await create_subscription(
        sm, box, site=site, name="other", scope_kind="resource", scope_ids=[other]
    )
    event = reservation_event(
        site, resource=resource_data(resource_id=switch, type_id=type_id, ancestors=[rack])
    )
    await run_fan_out(sm, event)
    matched = {r.subscription_id for r in await deliveries(sm)}
    assert matched == {by_type.id, by_resource.id, by_subtree.id}
    assert rack_only.id not in matched and unrelated.id not in matched


async def test_event_type_filter_and_disabled_subscriptions(sm: SM, box: SecretBox) -> None:
    site = await create_site(sm)
    started_only, _ = await create_subscription(
        sm, box, site=site, name="started", event_types=["reservation.started"]
    )
    ended_only, _ = await create_subscription(
        sm, box, site=site, name="ended", event_types=["reservation.ended"]
    )
    await create_subscription(sm, box, site=site, name="off", enabled=False)
    await run_fan_out(sm, reservation_event(site, type_=EventType.RESERVATION_STARTED))
    assert {r.subscription_id for r in await deliveries(sm)} == {started_only.id}
    await run_fan_out(sm, reservation_event(site, type_=EventType.RESERVATION_ENDED))
    assert {r.subscription_id for r in await deliveries(sm)} == {started_only.id, ended_only.id}


async def test_ping_goes_only_to_the_named_subscription(sm: SM, box: SecretBox) -> None:
    site, other_site = await create_site(sm), await create_site(sm)
    target, _ = await create_subscription(
        sm, box, site=site, name="t", event_types=["reservation.ended"]
    )
    await create_subscription(sm, box, site=site, name="everything")
    foreign, _ = await create_subscription(sm, box, site=other_site)
    await run_fan_out(sm, ping_event(site, target.id))
    # A ping naming another site's subscription reaches nobody.
    await run_fan_out(sm, ping_event(site, foreign.id))
    rows = await deliveries(sm)
    assert [(r.subscription_id, r.event_type) for r in rows] == [(target.id, "webhook.ping")]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b'{"id": "evt_1", "type": "no.such.type", "timestamp": "2026-01-01T00:00:00Z", "data": {}}',
        b'{"id": "evt_1", "type": "reservation.started", "timestamp": "2026-01-01T00:00:00Z",'
        b' "data": {"site": {}}}',
        b'{"id": "evt_1", "type": "webhook.ping", "timestamp": "2026-01-01T00:00:00", "data": {}}',
    ],
)
def test_messages_that_are_not_catalog_events_are_invalid(body: bytes) -> None:
    with pytest.raises(InvalidEvent):
        parse_event(body)
