"""Every query of the delivery side: claiming due work, recording attempts, disabling receivers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reservation_be.models.notification import Notification
from reservation_be.models.site_member import SiteMember
from reservation_be.models.webhook_attempt import WebhookAttempt
from reservation_be.models.webhook_delivery import DeliveryStatus, WebhookDelivery
from reservation_be.models.webhook_secret import WebhookSecret
from reservation_be.models.webhook_subscription import WebhookSubscription
from sqlalchemy import String, Text, and_, bindparam, func, insert, literal, select, text, update
from sqlalchemy.dialects.postgresql import INTERVAL, JSONB
from sqlalchemy.ext.asyncio import AsyncSession


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


# Per subscription: due rows up to the free part of its concurrency cap (counting rows leased by
# any replica), oldest first; SKIP LOCKED lets replicas claim side by side.
_CLAIM = text(
    """
    WITH subs AS (
        SELECT s.id, s.url,
               s.max_concurrency - (
                   SELECT count(*) FROM webhook_deliveries f
                   WHERE f.subscription_id = s.id AND f.status = 'pending'
                     AND f.locked_until > now()
               ) AS free
        FROM webhook_subscriptions s
        WHERE s.enabled
          AND EXISTS (
              SELECT 1 FROM webhook_deliveries d
              WHERE d.subscription_id = s.id AND d.status = 'pending'
                AND d.next_attempt_at <= now()
          )
    ),
    picked AS (
        SELECT d.id, subs.url
        FROM subs
        CROSS JOIN LATERAL (
            SELECT d.id FROM webhook_deliveries d
            WHERE d.subscription_id = subs.id AND d.status = 'pending'
              AND d.next_attempt_at <= now()
            ORDER BY d.next_attempt_at
            LIMIT greatest(subs.free, 0)
            FOR UPDATE SKIP LOCKED
        ) d
        WHERE subs.free > 0
        LIMIT :limit
    )
    UPDATE webhook_deliveries w
    SET attempts = w.attempts + 1,
        locked_until = clock_timestamp() + :lease,
        next_attempt_at = clock_timestamp() + :lease,
        last_attempt_at = now(),
        updated_at = now()
    FROM picked
    WHERE w.id = picked.id
    RETURNING w.id, w.webhook_id, w.subscription_id, w.site_id, picked.url, w.payload,
              w.attempts, w.locked_until, w.created_at
    """
).bindparams(bindparam("lease", type_=INTERVAL))


async def claim_due(
    session: AsyncSession, *, limit: int, lease: timedelta
) -> list[ClaimedDelivery]:
    rows = await session.execute(_CLAIM, {"limit": limit, "lease": lease})
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
        )
        for r in rows
    ]


async def active_secrets(
    session: AsyncSession, subscription_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    """Encrypted active secrets per subscription, newest first."""
    rows = await session.execute(
        select(WebhookSecret.subscription_id, WebhookSecret.secret_encrypted)
        .where(
            WebhookSecret.subscription_id.in_(subscription_ids),
            (WebhookSecret.expires_at.is_(None)) | (WebhookSecret.expires_at > func.now()),
        )
        .order_by(WebhookSecret.created_at.desc())
    )
    out: dict[uuid.UUID, list[str]] = {}
    for sub_id, encrypted in rows:
        out.setdefault(sub_id, []).append(encrypted)
    return out


async def next_due_at(session: AsyncSession) -> datetime | None:
    result = await session.execute(
        select(func.min(WebhookDelivery.next_attempt_at)).where(
            WebhookDelivery.status == DeliveryStatus.PENDING.value
        )
    )
    return result.scalar_one_or_none()


async def insert_attempt(
    session: AsyncSession,
    *,
    delivery_id: uuid.UUID,
    started_at: datetime,
    duration_ms: int,
    status_code: int | None,
    error: str | None,
    response_excerpt: str | None,
    response_headers: dict[str, str],
) -> None:
    await session.execute(
        insert(WebhookAttempt).values(
            delivery_id=delivery_id,
            started_at=started_at,
            duration_ms=duration_ms,
            status_code=status_code,
            error=error,
            response_excerpt=response_excerpt,
            response_headers=response_headers,
        )
    )


async def finish_claim(
    session: AsyncSession,
    claim: ClaimedDelivery,
    *,
    status: DeliveryStatus,
    next_attempt_at: datetime | None,
    status_code: int | None,
    error: str | None,
) -> bool:
    """Store the outcome if the claim still holds; False when the lease was lost meanwhile."""
    final = status is not DeliveryStatus.PENDING
    result = await session.execute(
        update(WebhookDelivery)
        .where(
            and_(
                WebhookDelivery.id == claim.id,
                WebhookDelivery.status == DeliveryStatus.PENDING.value,
                WebhookDelivery.locked_until == claim.lease,
            )
        )
        .values(
            status=status.value,
            next_attempt_at=next_attempt_at,
            locked_until=None,
            last_status_code=status_code,
            last_error=error,
            completed_at=func.now() if final else None,
            updated_at=func.now(),
        )
        .returning(WebhookDelivery.id)
    )
    return result.first() is not None


async def mark_subscription_healthy(session: AsyncSession, subscription_id: uuid.UUID) -> None:
    await session.execute(
        update(WebhookSubscription)
        .where(
            WebhookSubscription.id == subscription_id,
            WebhookSubscription.failing_since.is_not(None),
        )
        .values(failing_since=None)
    )


async def mark_subscription_failing(
    session: AsyncSession, subscription_id: uuid.UUID
) -> datetime | None:
    """Start (or continue) the failure run; returns when it started."""
    result = await session.execute(
        update(WebhookSubscription)
        .where(WebhookSubscription.id == subscription_id)
        .values(failing_since=func.coalesce(WebhookSubscription.failing_since, func.now()))
        .returning(WebhookSubscription.failing_since)
    )
    since: datetime | None = result.scalar_one_or_none()
    return since


async def disable_subscription(
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
    )
    row = result.first()
    return (row.site_id, row.name) if row is not None else None


async def notify_site_admins(
    session: AsyncSession,
    *,
    site_id: uuid.UUID,
    kind: str,
    message: str,
    links: list[dict[str, str]],
) -> None:
    admins = select(
        SiteMember.user_id,
        literal(kind, String()),
        literal(message, Text()),
        literal(links, JSONB()),
    ).where(SiteMember.site_id == site_id, SiteMember.role == "site-admin")
    await session.execute(
        insert(Notification).from_select(["user_id", "kind", "message", "links"], admins)
    )
