"""The webhooks domain's own queries (secrets, scope checks); subscriptions, deliveries and
attempts are the shared schema's repositories (``reservation_db.repositories``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from reservation_db.models.webhook_secret import WebhookSecret
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession


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
