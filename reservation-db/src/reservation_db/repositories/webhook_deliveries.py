"""Webhook deliveries: one row per (event, matching subscription).

The event processor creates them (fan-out, at most once per event and subscription), claims the
due ones under a lease and hands back what it could not send; the API lists them and queues
finished ones again (same ``webhook-id``). An attempt's outcome is written with the attempt
itself: ``webhook_attempts.record``.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
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
    cast,
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
from sqlalchemy.orm import aliased

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


def _bound(key: str, type_: Any) -> BindParameter[Any]:
    # Keys that name no column: a DML statement would take a column's name for a value.
    return bindparam(f"fo_{key}", type_=type_)


_UUID = UUID(as_uuid=True)
_DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[assignment]


def _matches(
    *, ping: bool, by_type: bool, by_resource: bool, by_ancestors: bool
) -> ColumnElement[bool]:
    s = WebhookSubscription
    if ping:
        return s.id == _bound("ping_subscription_id", _UUID)
    scopes: list[ColumnElement[bool]] = [s.scope_kind == WebhookScopeKind.SITE.value]
    if by_type:
        scopes.append(
            and_(
                s.scope_kind == WebhookScopeKind.RESOURCE_TYPE.value,
                _bound("resource_type_id", _UUID) == any_(s.scope_ids),
            )
        )
    resource: list[ColumnElement[bool]] = []
    if by_resource:
        resource.append(_bound("resource_id", _UUID) == any_(s.scope_ids))
    if by_ancestors:
        resource.append(
            and_(s.include_subtree, s.scope_ids.overlap(_bound("ancestor_ids", ARRAY(_UUID))))
        )
    if resource:
        scopes.append(and_(s.scope_kind == WebhookScopeKind.RESOURCE.value, or_(*resource)))
    return and_(
        or_(
            func.cardinality(s.event_types) == 0,
            _bound("event_type", String(64)) == any_(s.event_types),
        ),
        or_(*scopes),
    )


@functools.cache
def _fan_out_statement(*, ping: bool, by_type: bool, by_resource: bool, by_ancestors: bool) -> Any:
    """Built once per shape of the matching keys; every value is bound at execution."""
    s = WebhookSubscription
    event_id = _bound("event_id", Text)
    webhook_id = literal("msg_", Text) + func.md5(event_id + ":" + cast(s.id, Text), type_=Text)
    rows = select(
        webhook_id,
        event_id,
        _bound("event_type", Text),
        s.id,
        s.site_id,
        _bound("reservation_id", _UUID),
        _bound("payload", JSONB),
        literal(_PENDING, Text),
        literal(0),
        func.now(),
        _bound("trace_context", JSONB(none_as_null=True)),
    ).where(
        s.site_id == _bound("site_id", _UUID),
        s.enabled,
        _matches(ping=ping, by_type=by_type, by_resource=by_resource, by_ancestors=by_ancestors),
    )
    # The table, not the entity: the session executes it as it is, with the bound values.
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
        .returning(_DELIVERIES.c.id)
    )


async def fan_out(
    session: AsyncSession,
    *,
    event_id: str,
    event_type: str,
    payload: dict[str, Any],
    keys: MatchKeys,
    trace_context: dict[str, Any] | None = None,
) -> int:
    """Create the deliveries of one event, idempotently (``ON CONFLICT (event_id,
    subscription_id) DO NOTHING``); returns how many are new. The caller commits."""
    ping = keys.ping_subscription_id is not None
    stmt = _fan_out_statement(
        ping=ping,
        by_type=not ping and keys.resource_type_id is not None,
        by_resource=not ping and keys.resource_id is not None,
        by_ancestors=not ping and bool(keys.ancestor_ids),
    )
    values = {
        "fo_event_id": event_id,
        "fo_event_type": event_type,
        "fo_reservation_id": keys.reservation_id,
        "fo_payload": payload,
        "fo_trace_context": trace_context,
        "fo_site_id": keys.site_id,
        "fo_ping_subscription_id": keys.ping_subscription_id,
        "fo_resource_type_id": keys.resource_type_id,
        "fo_resource_id": keys.resource_id,
        "fo_ancestor_ids": list(keys.ancestor_ids),
    }
    return len((await session.execute(stmt, values)).all())


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
    """Built once (``CLAIM``): ``limit``, ``lease`` and ``skip`` are bound at each execution."""
    limit = bindparam("limit", type_=Integer)
    lease = bindparam("lease", type_=Interval)
    skip = bindparam("skip", type_=ARRAY(UUID(as_uuid=True)))
    s = WebhookSubscription
    leased = aliased(WebhookDelivery, name="f")
    due = aliased(WebhookDelivery, name="d")
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
    row = aliased(WebhookDelivery, name="d")
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
    w = WebhookDelivery
    secrets = func.array(
        select(WebhookSecret.secret_encrypted)
        .where(
            WebhookSecret.subscription_id == w.subscription_id,
            or_(WebhookSecret.expires_at.is_(None), WebhookSecret.expires_at > func.now()),
        )
        .order_by(WebhookSecret.created_at.desc())
        .scalar_subquery()
    )
    return (
        update(w)
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
        .execution_options(synchronize_session=False)
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
