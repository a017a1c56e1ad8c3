"""Webhook subscriptions: the API creates and edits them; the event processor records a
receiver's failure run (``webhook_attempts.record``) and disables one that keeps failing."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_db.models.webhook_subscription import WebhookSubscription

__all__ = ["disable", "get", "list_statement"]


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


async def disable(
    session: AsyncSession, subscription_id: uuid.UUID, *, reason: str
) -> tuple[uuid.UUID, str] | None:
    """Disable an enabled subscription; returns (site id, name) when this call disabled it."""
    result = await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id, WebhookSubscription.enabled.is_(True))
        .values(
            enabled=False,
            disabled_reason=reason,
            disabled_at=func.now(),
            updated_at=func.now(),
            version=WebhookSubscription.version + 1,
        )
        .returning(WebhookSubscription.site_id, WebhookSubscription.name)
        .execution_options(synchronize_session=False)
    )
    row = result.first()
    return (row.site_id, row.name) if row is not None else None
