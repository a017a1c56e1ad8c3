"""Every query of the webhooks domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from reservation_db.models.webhook_attempt import WebhookAttempt
from reservation_db.models.webhook_delivery import DeliveryStatus, WebhookDelivery
from reservation_db.models.webhook_secret import WebhookSecret
from reservation_db.models.webhook_subscription import WebhookSubscription
from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.webhooks.schemas import DeliveryFilter


async def get(
    session: AsyncSession, site_id: uuid.UUID, webhook_id: uuid.UUID, *, for_update: bool = False
) -> WebhookSubscription | None:
    stmt = select(WebhookSubscription).where(
        WebhookSubscription.id == webhook_id, WebhookSubscription.site_id == site_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


def list_statement(site_id: uuid.UUID) -> Select[WebhookSubscription]:
    return (
        select(WebhookSubscription)
        .where(WebhookSubscription.site_id == site_id)
        .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
    )


async def secrets_of(
    session: AsyncSession, subscription_ids: Sequence[uuid.UUID], *, now: datetime
) -> dict[uuid.UUID, list[WebhookSecret]]:
    """Secrets still signing (no expiry, or expiring later), newest first."""
    out: dict[uuid.UUID, list[WebhookSecret]] = {i: [] for i in subscription_ids}
    if not subscription_ids:
        return out
    rows = await session.execute(
        select(WebhookSecret)
        .where(
            WebhookSecret.subscription_id.in_(subscription_ids),
            WebhookSecret.expires_at.is_(None) | (WebhookSecret.expires_at > now),
        )
        .order_by(WebhookSecret.created_at.desc(), WebhookSecret.id)
    )
    for secret in rows.scalars():
        out[secret.subscription_id].append(secret)
    return out


async def expire_secrets(
    session: AsyncSession, subscription_id: uuid.UUID, *, at: datetime
) -> None:
    """Give every secret still signing after ``at`` that expiry (the rotation's grace end)."""
    await session.execute(
        update(WebhookSecret)
        .where(
            WebhookSecret.subscription_id == subscription_id,
            WebhookSecret.expires_at.is_(None) | (WebhookSecret.expires_at > at),
        )
        .values(expires_at=at)
    )


async def foreign_ids(
    session: AsyncSession, site_id: uuid.UUID, model: type[Resource] | type[ResourceType],
    ids: Sequence[uuid.UUID],
) -> list[uuid.UUID]:  # fmt: skip
    """Those of ``ids`` that are not rows of ``model`` in the site."""
    found = set(
        (
            await session.execute(
                select(model.id).where(model.site_id == site_id, model.id.in_(ids))
            )
        ).scalars()
    )
    return [i for i in ids if i not in found]


def deliveries_statement(
    subscription_id: uuid.UUID, filters: DeliveryFilter
) -> Select[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if filters.status is not None:
        stmt = stmt.where(WebhookDelivery.status == filters.status.value)
    if filters.event_type is not None:
        stmt = stmt.where(WebhookDelivery.event_type == filters.event_type.value)
    if filters.since is not None:
        stmt = stmt.where(WebhookDelivery.created_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(WebhookDelivery.created_at < filters.until)
    return stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)


async def get_delivery(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery | None:
    return (
        await session.execute(
            select(WebhookDelivery).where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.subscription_id == subscription_id,
            )
        )
    ).scalar_one_or_none()


def attempts_statement(delivery_id: uuid.UUID) -> Select[WebhookAttempt]:
    return (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.started_at.desc(), WebhookAttempt.id)
    )


_REDELIVER: dict[str, Any] = {
    "status": DeliveryStatus.PENDING.value,
    "attempts": 0,
    "next_attempt_at": func.now(),
    "locked_until": None,
    "completed_at": None,
}


async def redeliver(
    session: AsyncSession, subscription_id: uuid.UUID, delivery_id: uuid.UUID
) -> bool:
    """Queue a finished delivery again (same ``webhook-id``); False when it is still pending."""
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status != DeliveryStatus.PENDING.value,
        )
        .values(**_REDELIVER)
        .returning(WebhookDelivery.id)
    )
    return result.first() is not None


async def redeliver_failed(
    session: AsyncSession, subscription_id: uuid.UUID, *, since: datetime
) -> int:
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == DeliveryStatus.FAILED.value,
            WebhookDelivery.created_at >= since,
        )
        .values(**_REDELIVER)
        .returning(WebhookDelivery.id)
    )
    return len(result.all())
