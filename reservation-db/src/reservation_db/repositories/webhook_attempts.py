"""Webhook attempts: one row per HTTP request of a delivery, as the site admins see it.

An attempt is recorded in one statement together with what it decides: the delivery's new state
(only while the sender's lease still holds) and the subscription's failure run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, null, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_db.models.webhook_attempt import WebhookAttempt
from reservation_db.models.webhook_delivery import DeliveryStatus, WebhookDelivery
from reservation_db.models.webhook_subscription import WebhookSubscription
from reservation_db.repositories.webhook_deliveries import ClaimedDelivery

__all__ = ["AttemptRecord", "record", "statement"]


@dataclass(frozen=True)
class AttemptRecord:
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None
    response_headers: dict[str, str]


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
    attempt_row = (
        insert(WebhookAttempt)
        .values(
            delivery_id=claim.id,
            started_at=attempt.started_at,
            duration_ms=attempt.duration_ms,
            status_code=attempt.status_code,
            error=attempt.error,
            response_excerpt=attempt.response_excerpt,
            response_headers=attempt.response_headers,
        )
        .returning(WebhookAttempt.id)
        .cte("attempt")
    )
    w = WebhookDelivery
    delivery = (
        update(w)
        .where(
            w.id == claim.id,
            w.status == DeliveryStatus.PENDING.value,
            w.locked_until == claim.lease,
        )
        .values(
            status=status.value,
            next_attempt_at=next_attempt_at,
            locked_until=None,
            last_status_code=attempt.status_code,
            last_error=attempt.error,
            completed_at=None if status is DeliveryStatus.PENDING else func.now(),
            updated_at=func.now(),
        )
        .returning(w.id)
        .cte("delivery")
    )
    held = select(delivery.c.id).exists()
    failing_since: Any = null()
    if failure is not None:
        s = WebhookSubscription
        health = update(s).where(s.id == claim.subscription_id)
        if failure:
            health = health.values(failing_since=func.coalesce(s.failing_since, func.now()))
        else:
            health = health.where(s.failing_since.is_not(None)).values(failing_since=None)
        subscription = health.returning(s.failing_since).cte("subscription")
        failing_since = select(subscription.c.failing_since).scalar_subquery()
    stmt = select(held.label("held"), failing_since.label("failing_since")).add_cte(attempt_row)
    row = (await session.execute(stmt)).one()
    return bool(row.held), row.failing_since


def statement(delivery_id: uuid.UUID) -> Select[WebhookAttempt]:
    """A delivery's attempts, newest first."""
    return (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.started_at.desc(), WebhookAttempt.id)
    )
