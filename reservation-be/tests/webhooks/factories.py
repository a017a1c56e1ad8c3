"""Subscriptions, deliveries and attempts written straight to the database (the processor
writes deliveries in production)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from reservation_be.settings import DEV_WEBHOOK_SECRETS_KEY
from reservation_common.crypto import SecretBox
from reservation_common.signing import generate_secret
from reservation_db.models.webhook_attempt import WebhookAttempt
from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_db.models.webhook_secret import WebhookSecret
from reservation_db.models.webhook_subscription import WebhookSubscription
from sqlalchemy.ext.asyncio import AsyncSession

BOX = SecretBox(DEV_WEBHOOK_SECRETS_KEY)


async def subscription(
    session: AsyncSession, site_id: uuid.UUID, **fields: Any
) -> WebhookSubscription:
    sub = WebhookSubscription(
        site_id=site_id,
        name=fields.pop("name", f"hook-{uuid.uuid4().hex[:6]}"),
        url=fields.pop("url", "https://receiver.example.test/hook"),
        **fields,
    )
    session.add(sub)
    await session.flush()
    session.add(
        WebhookSecret(subscription_id=sub.id, secret_encrypted=BOX.encrypt(generate_secret()))
    )
    await session.commit()
    await session.refresh(sub)
    return sub


async def delivery(
    session: AsyncSession,
    sub: WebhookSubscription,
    *,
    status: str = "failed",
    event_type: str = "reservation.started",
    created_at: datetime | None = None,
    reservation_id: uuid.UUID | None = None,
    attempts: int = 0,
) -> WebhookDelivery:
    event_id = f"evt_{uuid.uuid4().hex}"
    row = WebhookDelivery(
        webhook_id=f"msg_{uuid.uuid4().hex}",
        event_id=event_id,
        event_type=event_type,
        subscription_id=sub.id,
        site_id=sub.site_id,
        reservation_id=reservation_id,
        payload={"id": event_id, "type": event_type, "data": {}},
        status=status,
        attempts=attempts,
        next_attempt_at=datetime.now(UTC) if status == "pending" else None,
        completed_at=None if status == "pending" else datetime.now(UTC),
        last_status_code=500 if status == "failed" else None,
    )
    if created_at is not None:
        row.created_at = created_at
    session.add(row)
    await session.flush()
    started = datetime.now(UTC) - timedelta(minutes=attempts)
    for i in range(attempts):
        session.add(
            WebhookAttempt(
                delivery_id=row.id,
                started_at=started + timedelta(minutes=i),
                duration_ms=12 + i,
                status_code=500,
                error=None,
                response_excerpt="boom",
            )
        )
    await session.commit()
    await session.refresh(row)
    return row
