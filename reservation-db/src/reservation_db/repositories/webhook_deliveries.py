"""Webhook deliveries: one row per (event, matching subscription).

The event processor creates them (fan-out, at most once per event and subscription), claims the
due ones under a lease and hands back what it could not send; the API lists them and queues
finished ones again (same ``webhook-id``). An attempt's outcome is written with the attempt
itself: ``webhook_attempts.record``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    Interval,
    Select,
    String,
    Table,
    Text,
    and_,
    any_,
    bindparam,
    case,
    cast,
    column,
    extract,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_db.models.webhook_delivery import DeliveryStatus, WebhookDelivery
from reservation_db.models.webhook_secret import WebhookSecret
from reservation_db.models.webhook_subscription import WebhookScopeKind, WebhookSubscription

__all__ = [
    "ClaimedDelivery",
    "MatchKeys",
    "backlog",
    "claim_due",
    "deliveries_statement",
    "fan_out",
    "get",
    "redeliver",
    "redeliver_failed",
    "release",
]

_PENDING = DeliveryStatus.PENDING.value
# Written into the statement, not bound: the partial indexes on deliveries are "WHERE status =
# 'pending'", and a generic plan with a bound status could not use them.
_IS_PENDING = literal(_PENDING, String(16), literal_execute=True)


def _clock() -> ColumnElement[datetime]:
    return func.clock_timestamp(type_=DateTime(timezone=True))


@dataclass(frozen=True)
class MatchKeys:
    """What an event offers to the subscriptions' matching rules (see ``WebhookSubscription``)."""

    site_id: uuid.UUID
    resource_id: uuid.UUID | None = None
    resource_type_id: uuid.UUID | None = None
    ancestor_ids: tuple[uuid.UUID, ...] = ()
    reservation_id: uuid.UUID | None = None
    ping_subscription_id: uuid.UUID | None = None


_UUID = UUID(as_uuid=True)
_DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[assignment]
_SUBSCRIPTIONS: Table = WebhookSubscription.__table__  # type: ignore[assignment]
_SECRETS: Table = WebhookSecret.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class FanOutEvent:
    event_id: str
    event_type: str
    payload: dict[str, Any]
    keys: MatchKeys
    trace_context: dict[str, Any] | None = None


def _fan_out_statement() -> Any:
    """Built once (``FAN_OUT``): the events come as one JSON array, read as rows by
    ``jsonb_to_recordset``, each joined to the subscriptions its keys match. Core statements on
    the tables: the session executes them without the ORM's per-call work."""
    events = (
        func.jsonb_to_recordset(bindparam("fan_out_events", type_=JSONB))
        .table_valued(
            column("event_id", Text),
            column("event_type", Text),
            column("payload", JSONB),
            column("trace_context", JSONB),
            column("site_id", _UUID),
            column("reservation_id", _UUID),
            column("resource_id", _UUID),
            column("resource_type_id", _UUID),
            column("ancestor_ids", ARRAY(_UUID)),
            column("ping_subscription_id", _UUID),
        )
        .render_derived(name="e", with_types=True)
    )
    e, s = events.c, _SUBSCRIPTIONS.c
    by_scope = or_(
        s.scope_kind == WebhookScopeKind.SITE.value,
        and_(
            s.scope_kind == WebhookScopeKind.RESOURCE_TYPE.value,
            e.resource_type_id == any_(s.scope_ids),
        ),
        and_(
            s.scope_kind == WebhookScopeKind.RESOURCE.value,
            or_(
                e.resource_id == any_(s.scope_ids),
                and_(s.include_subtree, s.scope_ids.overlap(e.ancestor_ids)),
            ),
        ),
    )
    by_type = or_(func.cardinality(s.event_types) == 0, e.event_type == any_(s.event_types))
    # webhook.ping goes to the subscription it names, whatever its types and scope.
    matches = case(
        (e.ping_subscription_id.is_not(None), s.id == e.ping_subscription_id),
        else_=and_(by_type, by_scope),
    )
    webhook_id = literal("msg_", Text) + func.md5(e.event_id + ":" + cast(s.id, Text), type_=Text)
    rows = (
        select(
            webhook_id,
            e.event_id,
            e.event_type,
            s.id,
            s.site_id,
            e.reservation_id,
            e.payload,
            literal(_PENDING, Text),
            literal(0),
            func.now(),
            e.trace_context,
        )
        .select_from(events)
        .join(_SUBSCRIPTIONS, and_(s.site_id == e.site_id, s.enabled, matches))
    )
    return (
        insert(_DELIVERIES)
        .from_select(
            [
                "webhook_id",
                "event_id",
                "event_type",
                "subscription_id",
                "site_id",
                "reservation_id",
                "payload",
                "status",
                "attempts",
                "next_attempt_at",
                "trace_context",
            ],
            rows,
        )
        .on_conflict_do_nothing(index_elements=["event_id", "subscription_id"])
        .returning(_DELIVERIES.c.event_id)
    )


FAN_OUT = _fan_out_statement()


def _as_json(event: FanOutEvent) -> dict[str, Any]:
    keys = event.keys
    return {
        "event_id": event.event_id,
        "event_type": event.event_type,
        "payload": event.payload,
        "trace_context": event.trace_context,
        "site_id": str(keys.site_id),
        "reservation_id": _str(keys.reservation_id),
        "resource_id": _str(keys.resource_id),
        "resource_type_id": _str(keys.resource_type_id),
        "ancestor_ids": [str(a) for a in keys.ancestor_ids],
        "ping_subscription_id": _str(keys.ping_subscription_id),
    }


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


async def fan_out_many(session: AsyncSession, events: Sequence[FanOutEvent]) -> dict[str, int]:
    """Create the deliveries of many events in one statement, idempotently (``ON CONFLICT
    (event_id, subscription_id) DO NOTHING``); returns how many are new per event id. A single
    statement: atomic on its own, so the caller may run it outside a transaction."""
    if not events:
        return {}
    created = dict.fromkeys((e.event_id for e in events), 0)
    rows = await session.execute(FAN_OUT, {"fan_out_events": [_as_json(e) for e in events]})
    for (event_id,) in rows:
        created[event_id] += 1
    return created


async def fan_out(
    session: AsyncSession,
    *,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    keys: MatchKeys,
    trace_context: dict[str, Any] | None = None,
) -> int:
    """Create the deliveries of one event (``fan_out_many``); returns how many are new."""
    event = FanOutEvent(event_id, event_type, payload, keys, trace_context)
    return (await fan_out_many(session, [event]))[event_id]


@dataclass(frozen=True)
class ClaimedDelivery:
    id: uuid.UUID
    webhook_id: str
    subscription_id: uuid.UUID
    site_id: uuid.UUID
    url: str
    payload: dict[str, Any]
    attempt: int  # 1 for the first attempt
    lease: datetime  # identifies this claim: the row is ours while locked_until equals it
    created_at: datetime
    encrypted_secrets: tuple[str, ...]  # active secrets, newest first
    rate_limit_per_second: int | None = None
    trace_context: dict[str, Any] | None = None  # the fan-out's, when it was traced


def _claim_statement() -> Any:
    """Built once (``CLAIM``): ``limit``, ``lease`` and ``skip`` are bound at each execution.
    Core statement on the tables: the session executes it without the ORM's per-call work."""
    limit = bindparam("limit", type_=Integer)
    lease = bindparam("lease", type_=Interval)
    skip = bindparam("skip", type_=ARRAY(_UUID))
    s = _SUBSCRIPTIONS.c
    leased = _DELIVERIES.alias("f").c
    due = _DELIVERIES.alias("d").c
    free = s.max_concurrency - (
        select(func.count())
        .where(
            leased.subscription_id == s.id,
            leased.status == _IS_PENDING,
            leased.locked_until > func.now(),
        )
        .scalar_subquery()
    )
    has_due = (
        select(due.id)
        .where(
            due.subscription_id == s.id,
            due.status == _IS_PENDING,
            due.next_attempt_at <= func.now(),
        )
        .exists()
    )
    subs = (
        select(s.id, s.url, s.rate_limit_per_second, free.label("free"))
        .where(s.enabled, not_(s.id == any_(skip)), has_due)
        .cte("subs")
    )
    # Per subscription: due rows up to the free part of its concurrency cap (counting rows
    # leased by any replica), oldest first; SKIP LOCKED lets replicas claim side by side. A
    # rate-limited receiver gets at most one second's worth per claim, so the spacing never
    # eats into the lease.
    row = _DELIVERIES.alias("d").c
    per_subscription = (
        select(row.id, row.next_attempt_at)
        .where(
            row.subscription_id == subs.c.id,
            row.status == _IS_PENDING,
            row.next_attempt_at <= func.now(),
        )
        .order_by(row.next_attempt_at)
        .limit(
            func.greatest(
                func.least(subs.c.free, func.coalesce(subs.c.rate_limit_per_second, subs.c.free)),
                0,
            )
        )
        .with_for_update(skip_locked=True)
        .lateral("d")
    )
    picked = (
        select(per_subscription.c.id, subs.c.url, subs.c.rate_limit_per_second)
        .select_from(subs.join(per_subscription, true()))
        .where(subs.c.free > 0)
        .order_by(per_subscription.c.next_attempt_at)
        .limit(limit)
        .cte("picked")
    )
    w, k = _DELIVERIES.c, _SECRETS.c
    secrets = func.array(
        select(k.secret_encrypted)
        .where(
            k.subscription_id == w.subscription_id,
            or_(k.expires_at.is_(None), k.expires_at > func.now()),
        )
        .order_by(k.created_at.desc())
        .scalar_subquery()
    )
    return (
        update(_DELIVERIES)
        .where(w.id == picked.c.id)
        .values(
            attempts=w.attempts + 1,
            locked_until=_clock() + lease,
            next_attempt_at=_clock() + lease,
            last_attempt_at=func.now(),
            updated_at=func.now(),
        )
        .returning(
            w.id,
            w.webhook_id,
            w.subscription_id,
            w.site_id,
            picked.c.url,
            w.payload,
            w.attempts,
            w.locked_until,
            w.created_at,
            picked.c.rate_limit_per_second,
            w.trace_context,
            secrets.label("secrets"),
        )
    )


CLAIM = _claim_statement()


async def claim_due(
    session: AsyncSession,
    *,
    limit: int,
    lease: timedelta,
    skip_subscriptions: Sequence[uuid.UUID] = (),
) -> list[ClaimedDelivery]:
    """Lease up to ``limit`` due deliveries (one attempt each) of enabled subscriptions."""
    rows = await session.execute(
        CLAIM, {"limit": limit, "lease": lease, "skip": list(skip_subscriptions)}
    )
    return [
        ClaimedDelivery(
            id=r.id,
            webhook_id=r.webhook_id,
            subscription_id=r.subscription_id,
            site_id=r.site_id,
            url=r.url,
            payload=r.payload,
            attempt=r.attempts,
            lease=r.locked_until,
            created_at=r.created_at,
            encrypted_secrets=tuple(r.secrets),
            rate_limit_per_second=r.rate_limit_per_second,
            trace_context=r.trace_context,
        )
        for r in rows
    ]


async def release(session: AsyncSession, claim: ClaimedDelivery, *, due_in: timedelta) -> None:
    """Give a claimed delivery back unsent (only while our lease holds), due again in ``due_in``:
    not an attempt, so the attempt count is restored."""
    w = WebhookDelivery
    await session.execute(
        update(w)
        .where(w.id == claim.id, w.status == _IS_PENDING, w.locked_until == claim.lease)
        .values(
            attempts=w.attempts - 1,
            locked_until=None,
            next_attempt_at=_clock() + due_in,
            updated_at=func.now(),
        )
        .execution_options(synchronize_session=False)
    )


async def backlog(session: AsyncSession) -> tuple[int, float]:
    """Deliveries due now and the age in seconds of the oldest of them."""
    w = WebhookDelivery
    row = (
        await session.execute(
            select(
                func.count(),
                func.coalesce(extract("epoch", func.now() - func.min(w.next_attempt_at)), 0),
            ).where(
                w.status == _IS_PENDING,
                w.next_attempt_at <= func.now(),
                or_(w.locked_until.is_(None), w.locked_until <= func.now()),
            )
        )
    ).one()
    return int(row[0]), float(row[1])


def deliveries_statement(
    subscription_id: uuid.UUID,
    *,
    status: str | None = None,
    event_type: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[WebhookDelivery]:
    w = WebhookDelivery
    stmt = select(w).where(w.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(w.status == status)
    if event_type is not None:
        stmt = stmt.where(w.event_type == event_type)
    if since is not None:
        stmt = stmt.where(w.created_at >= since)
    if until is not None:
        stmt = stmt.where(w.created_at < until)
    return stmt.order_by(w.created_at.desc(), w.id)


async def get(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    w = WebhookDelivery
    return (
        await session.execute(
            select(w).where(w.id == delivery_id, w.subscription_id == subscription_id)
        )
    ).scalar_one_or_none()


_REDELIVER: dict[str, Any] = {
    "status": _PENDING,
    "attempts": 0,
    "next_attempt_at": func.now(),
    "locked_until": None,
    "completed_at": None,
}


async def redeliver(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> bool:
    """Queue a finished delivery again (same ``webhook-id``); False when it is still pending."""
    w = WebhookDelivery
    result = await session.execute(
        update(w)
        .where(w.id == delivery_id, w.subscription_id == subscription_id, w.status != _PENDING)
        .values(**_REDELIVER)
        .returning(w.id)
    )
    return result.first() is not None


async def redeliver_failed(
    session: AsyncSession, subscription_id: uuid.UUID, *, since: datetime
) -> int:
    """Queue again every failed delivery created since ``since``; returns how many."""
    w = WebhookDelivery
    result = await session.execute(
        update(w)
        .where(
            w.subscription_id == subscription_id,
            w.status == DeliveryStatus.FAILED.value,
            w.created_at >= since,
        )
        .values(**_REDELIVER)
        .returning(w.id)
    )
    return len(result.all())
