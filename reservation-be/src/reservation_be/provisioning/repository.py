from __future__ import annotations

import uuid

from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_db.models.webhook_subscription import WebhookSubscription
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def bound_client_ids(session: AsyncSession, reservation_id: uuid.UUID) -> set[str]:
    """Integration clients of the subscriptions that received an event of the reservation."""
    rows = await session.execute(
        select(WebhookSubscription.integration_client_id)
        .join(WebhookDelivery, WebhookDelivery.subscription_id == WebhookSubscription.id)
        .where(
            WebhookDelivery.reservation_id == reservation_id,
            WebhookDelivery.site_id == WebhookSubscription.site_id,
            WebhookSubscription.integration_client_id.is_not(None),
        )
        .distinct()
    )
    return {str(client) for client in rows.scalars()}
