"""Webhook attempts: one row per HTTP request of a delivery, as the site admins see it.

An attempt is recorded in one statement together with what it decides: the delivery's new state
(only while the sender's lease still holds) and the subscription's failure run.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    Select,
    Table,
    Text,
    bindparam,
    column,
    func,
    insert,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_db.models.webhook_attempt import WebhookAttempt
from reservation_db.models.webhook_delivery import DeliveryStatus, WebhookDelivery
from reservation_db.models.webhook_subscription import WebhookSubscription
from reservation_db.repositories.webhook_deliveries import ClaimedDelivery

__all__ = ["AttemptRecord", "record", "record_successes", "statement"]


@dataclass(frozen=True)
class AttemptRecord:
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None
    response_headers: dict[str, str]


# Core statements on the tables: the session executes them without the ORM's per-call work.
_ATTEMPTS: Table = WebhookAttempt.__table__  # type: ignore[assignment]
_DELIVERIES: Table = WebhookDelivery.__table__  # type: ignore[assignment]
_SUBSCRIPTIONS: Table = WebhookSubscription.__table__  # type: ignore[assignment]


def _bound(key: str, column: Any) -> Any:
    # Keys that name no column: a DML statement would take a column's name for a SET value.
    return bindparam(key, type_=column.type)


@functools.cache
def _record_statement(*, finished: bool, failure: bool | None) -> Any:
    """Built once per variant; every value is bound at execution."""
    a = _ATTEMPTS.c
    attempt_row = (
        insert(_ATTEMPTS)
        .values(
            delivery_id=_bound("rec_delivery_id", a.delivery_id),
            started_at=_bound("rec_started_at", a.started_at),
            duration_ms=_bound("rec_duration_ms", a.duration_ms),
            status_code=_bound("rec_status_code", a.status_code),
            error=_bound("rec_error", a.error),
            response_excerpt=_bound("rec_response_excerpt", a.response_excerpt),
            response_headers=_bound("rec_response_headers", a.response_headers),
        )
        .returning(a.id)
        .cte("attempt")
    )
    w = _DELIVERIES.c
    delivery = (
        update(_DELIVERIES)
        .where(
            w.id == _bound("rec_delivery_id", w.id),
            w.status == DeliveryStatus.PENDING.value,
            w.locked_until == _bound("rec_lease", w.locked_until),
        )
        .values(
            status=_bound("rec_status", w.status),
            next_attempt_at=_bound("rec_next_attempt_at", w.next_attempt_at),
            locked_until=None,
            last_status_code=_bound("rec_status_code", w.last_status_code),
            last_error=_bound("rec_error", w.last_error),
            completed_at=func.now() if finished else None,
            updated_at=func.now(),
        )
        .returning(w.id)
        .cte("delivery")
    )
    held = select(delivery.c.id).exists()
    failing_since: Any = null()
    if failure is not None:
        s = _SUBSCRIPTIONS.c
        health = update(_SUBSCRIPTIONS).where(s.id == _bound("rec_subscription_id", s.id))
        if failure:
            health = health.values(failing_since=func.coalesce(s.failing_since, func.now()))
        else:
            health = health.where(s.failing_since.is_not(None)).values(failing_since=None)
        subscription = health.returning(s.failing_since).cte("subscription")
        failing_since = select(subscription.c.failing_since).scalar_subquery()
    return select(held.label("held"), failing_since.label("failing_since")).add_cte(attempt_row)


async def record(
    session: AsyncSession,
    claim: ClaimedDelivery,
    attempt: AttemptRecord,
    *,
    status: DeliveryStatus,
    next_attempt_at: datetime | None,
    failure: bool | None,
) -> tuple[bool, datetime | None]:
    """Store one attempt, the delivery's outcome and, unless ``failure`` is None (the outcome
    says nothing of the receiver), the start (True) or end (False) of the subscription's
    failure run. Returns (lease still held, start of the failure run if any)."""
    stmt = _record_statement(finished=status is not DeliveryStatus.PENDING, failure=failure)
    values = {
        "rec_delivery_id": claim.id,
        "rec_started_at": attempt.started_at,
        "rec_duration_ms": attempt.duration_ms,
        "rec_status_code": attempt.status_code,
        "rec_error": attempt.error,
        "rec_response_excerpt": attempt.response_excerpt,
        "rec_response_headers": attempt.response_headers,
        "rec_lease": claim.lease,
        "rec_status": status.value,
        "rec_next_attempt_at": next_attempt_at,
        "rec_subscription_id": claim.subscription_id,
    }
    row = (await session.execute(stmt, values)).one()
    return bool(row.held), row.failing_since


def _successes_statement() -> Any:
    """Built once (``SUCCESSES``): the successful attempts of a batch come as one JSON array."""
    uuid_ = UUID(as_uuid=True)
    when = DateTime(timezone=True)
    o = (
        func.jsonb_to_recordset(bindparam("successes", type_=JSONB))
        .table_valued(
            column("delivery_id", uuid_),
            column("lease", when),
            column("started_at", when),
            column("duration_ms", Integer),
            column("status_code", Integer),
            column("response_excerpt", Text),
            column("response_headers", JSONB),
            column("subscription_id", uuid_),
        )
        .render_derived(name="o", with_types=True)
    )
    a, w, s = _ATTEMPTS.c, _DELIVERIES.c, _SUBSCRIPTIONS.c
    attempts = (
        insert(_ATTEMPTS)
        .from_select(
            [
                "delivery_id",
                "started_at",
                "duration_ms",
                "status_code",
                "response_excerpt",
                "response_headers",
            ],
            select(
                o.c.delivery_id,
                o.c.started_at,
                o.c.duration_ms,
                o.c.status_code,
                o.c.response_excerpt,
                o.c.response_headers,
            ),
        )
        .returning(a.id)
        .cte("attempt")
    )
    succeeded = (
        update(_DELIVERIES)
        .where(
            w.id == o.c.delivery_id,
            w.status == DeliveryStatus.PENDING.value,
            w.locked_until == o.c.lease,
        )
        .values(
            status=DeliveryStatus.SUCCEEDED.value,
            next_attempt_at=None,
            locked_until=None,
            last_status_code=o.c.status_code,
            last_error=None,
            completed_at=func.now(),
            updated_at=func.now(),
        )
        .returning(w.id)
        .cte("delivery")
    )
    # A success ends its receiver's failure run, as record(failure=False) does.
    healthy = (
        update(_SUBSCRIPTIONS)
        .where(
            s.id.in_(select(o.c.subscription_id).scalar_subquery()),
            s.failing_since.is_not(None),
        )
        .values(failing_since=None)
        .returning(s.id)
        .cte("subscription")
    )
    return select(succeeded.c.id).add_cte(attempts).add_cte(healthy)


SUCCESSES = _successes_statement()


async def record_successes(
    session: AsyncSession, successes: Sequence[tuple[ClaimedDelivery, AttemptRecord]]
) -> set[uuid.UUID]:
    """Store many successful attempts, each delivery ``succeeded`` while its lease holds, and
    end their subscriptions' failure runs, in one statement (atomic without a transaction
    around it). Returns the ids of the deliveries whose lease still held."""
    if not successes:
        return set()
    rows = [
        {
            "delivery_id": str(claim.id),
            "lease": claim.lease.isoformat(),
            "started_at": attempt.started_at.isoformat(),
            "duration_ms": attempt.duration_ms,
            "status_code": attempt.status_code,
            "response_excerpt": attempt.response_excerpt,
            "response_headers": attempt.response_headers,
            "subscription_id": str(claim.subscription_id),
        }
        for claim, attempt in successes
    ]
    return set((await session.execute(SUCCESSES, {"successes": rows})).scalars())


def statement(delivery_id: uuid.UUID) -> Select[WebhookAttempt]:
    """A delivery's attempts, newest first."""
    return (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.started_at.desc(), WebhookAttempt.id)
    )
