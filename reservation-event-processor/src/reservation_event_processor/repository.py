"""Every query of the delivery side: claiming due work, recording attempts, disabling receivers.

Each attempt costs two statements: one claim per batch, one record per attempt (a data-modifying
CTE that stores the attempt, the delivery's new state and the subscription's health together).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reservation_db.models.notification import Notification
from reservation_db.models.site_member import SiteMember
from reservation_db.models.webhook_delivery import DeliveryStatus
from reservation_db.models.webhook_subscription import WebhookSubscription
from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, INTERVAL, JSONB, UUID
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
    encrypted_secrets: tuple[str, ...]  # active secrets, newest first
    rate_limit_per_second: int | None = None
    trace_context: dict[str, Any] | None = None  # the fan-out's, when it was traced


@dataclass(frozen=True)
class AttemptRecord:
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None
    response_headers: dict[str, str]


# Per subscription: due rows up to the free part of its concurrency cap (counting rows leased by
# any replica), oldest first; SKIP LOCKED lets replicas claim side by side.
_CLAIM = text(
    """
    WITH subs AS (
        SELECT s.id, s.url, s.rate_limit_per_second,
               s.max_concurrency - (
                   SELECT count(*) FROM webhook_deliveries f
                   WHERE f.subscription_id = s.id AND f.status = 'pending'
                     AND f.locked_until > now()
               ) AS free
        FROM webhook_subscriptions s
        WHERE s.enabled
          AND NOT s.id = ANY(:skip)
          AND EXISTS (
              SELECT 1 FROM webhook_deliveries d
              WHERE d.subscription_id = s.id AND d.status = 'pending'
                AND d.next_attempt_at <= now()
          )
    ),
    picked AS (
        SELECT d.id, subs.url, subs.rate_limit_per_second
        FROM subs
        CROSS JOIN LATERAL (
            SELECT d.id, d.next_attempt_at FROM webhook_deliveries d
            WHERE d.subscription_id = subs.id AND d.status = 'pending'
              AND d.next_attempt_at <= now()
            ORDER BY d.next_attempt_at
            -- A rate-limited receiver gets at most one second's worth per claim, so the
            -- spacing never eats into the lease.
            LIMIT greatest(least(subs.free, coalesce(subs.rate_limit_per_second, subs.free)), 0)
            FOR UPDATE SKIP LOCKED
        ) d
        WHERE subs.free > 0
        ORDER BY d.next_attempt_at
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
              w.attempts, w.locked_until, w.created_at, picked.rate_limit_per_second,
              w.trace_context,
              ARRAY(
                  SELECT k.secret_encrypted FROM webhook_secrets k
                  WHERE k.subscription_id = w.subscription_id
                    AND (k.expires_at IS NULL OR k.expires_at > now())
                  ORDER BY k.created_at DESC
              ) AS secrets
    """
).bindparams(
    bindparam("lease", type_=INTERVAL),
    bindparam("skip", type_=ARRAY(UUID(as_uuid=True))),
)


async def claim_due(
    session: AsyncSession,
    *,
    limit: int,
    lease: timedelta,
    skip_subscriptions: Sequence[uuid.UUID] = (),
) -> list[ClaimedDelivery]:
    rows = await session.execute(
        _CLAIM, {"limit": limit, "lease": lease, "skip": list(skip_subscriptions)}
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


# A claimed delivery handed back unsent: not an attempt, so the attempt count is restored.
_RELEASE = text(
    """
    UPDATE webhook_deliveries
    SET attempts = attempts - 1,
        locked_until = NULL,
        next_attempt_at = clock_timestamp() + :due_in,
        updated_at = now()
    WHERE id = :delivery_id AND status = 'pending' AND locked_until = :lease
    """
).bindparams(
    bindparam("delivery_id", type_=UUID(as_uuid=True)),
    bindparam("lease", type_=DateTime(timezone=True)),
    bindparam("due_in", type_=INTERVAL),
)


async def release(session: AsyncSession, claim: ClaimedDelivery, *, due_in: timedelta) -> None:
    """Give a claimed delivery back (only while our lease holds), due again in ``due_in``."""
    await session.execute(
        _RELEASE, {"delivery_id": claim.id, "lease": claim.lease, "due_in": due_in}
    )


# The attempt row, the delivery's outcome (only while our lease holds) and the subscription's
# failure run, in one statement. :failure is NULL when the outcome says nothing of the receiver.
_RECORD = text(
    """
    WITH attempt AS (
        INSERT INTO webhook_attempts (
            delivery_id, started_at, duration_ms, status_code, error, response_excerpt,
            response_headers
        )
        VALUES (:delivery_id, :started_at, :duration_ms, :status_code, :error, :excerpt,
                :headers)
    ),
    delivery AS (
        UPDATE webhook_deliveries
        SET status = :status,
            next_attempt_at = :next_attempt_at,
            locked_until = NULL,
            last_status_code = :status_code,
            last_error = :error,
            completed_at = CASE WHEN :status = 'pending' THEN NULL ELSE now() END,
            updated_at = now()
        WHERE id = :delivery_id AND status = 'pending' AND locked_until = :lease
        RETURNING id
    ),
    subscription AS (
        UPDATE webhook_subscriptions
        SET failing_since = CASE WHEN :failure THEN coalesce(failing_since, now()) END
        WHERE id = :subscription_id AND :failure IS NOT NULL
          AND (:failure OR failing_since IS NOT NULL)
        RETURNING failing_since
    )
    SELECT EXISTS (SELECT 1 FROM delivery) AS held,
           (SELECT failing_since FROM subscription) AS failing_since
    """
).bindparams(
    bindparam("delivery_id", type_=UUID(as_uuid=True)),
    bindparam("subscription_id", type_=UUID(as_uuid=True)),
    bindparam("lease", type_=DateTime(timezone=True)),
    bindparam("started_at", type_=DateTime(timezone=True)),
    bindparam("duration_ms", type_=Integer()),
    bindparam("status_code", type_=Integer()),
    bindparam("error", type_=Text()),
    bindparam("excerpt", type_=Text()),
    bindparam("headers", type_=JSONB()),
    bindparam("status", type_=String()),
    bindparam("next_attempt_at", type_=DateTime(timezone=True)),
    bindparam("failure", type_=Boolean()),
)


async def record_attempt(
    session: AsyncSession,
    claim: ClaimedDelivery,
    attempt: AttemptRecord,
    *,
    status: DeliveryStatus,
    next_attempt_at: datetime | None,
    failure: bool | None,
) -> tuple[bool, datetime | None]:
    """Store one attempt; returns (lease still held, start of the failure run if any)."""
    row = (
        await session.execute(
            _RECORD,
            {
                "delivery_id": claim.id,
                "subscription_id": claim.subscription_id,
                "lease": claim.lease,
                "started_at": attempt.started_at,
                "duration_ms": attempt.duration_ms,
                "status_code": attempt.status_code,
                "error": attempt.error,
                "excerpt": attempt.response_excerpt,
                "headers": attempt.response_headers,
                "status": status.value,
                "next_attempt_at": next_attempt_at,
                "failure": failure,
            },
        )
    ).one()
    return bool(row.held), row.failing_since


async def backlog(session: AsyncSession) -> tuple[int, float]:
    """Deliveries due now and the age in seconds of the oldest of them."""
    row = (
        await session.execute(
            text(
                """
                SELECT count(*) AS due,
                       coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0) AS oldest
                FROM webhook_deliveries
                WHERE status = 'pending' AND next_attempt_at <= now()
                  AND (locked_until IS NULL OR locked_until <= now())
                """
            )
        )
    ).one()
    return int(row.due), float(row.oldest)


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
