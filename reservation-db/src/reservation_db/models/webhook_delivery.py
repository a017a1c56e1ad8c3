from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class WebhookDelivery(TimestampMixin, Base):
    """One event for one subscription; owned by the event processor.

    ``webhook_id`` is the Standard Webhooks ``webhook-id``, the same on every attempt and on a
    redelivery. A pending row is due at ``next_attempt_at``; while an attempt runs the row is
    leased (``locked_until``) so that a crashed sender's work is picked up again after the lease.
    To redeliver, set ``status = 'pending'``, ``attempts = 0`` and ``next_attempt_at = now()``.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "subscription_id", name="uq_webhook_deliveries_event_sub"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'cancelled')", name="status"),
        CheckConstraint("status <> 'pending' OR next_attempt_at IS NOT NULL", name="pending_due"),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_webhook_deliveries_pending_subscription",
            "subscription_id",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
        ),
        # The leased rows of a subscription (its attempts in flight, counted against
        # max_concurrency by every claim): a handful, however many wait behind them.
        Index(
            "ix_webhook_deliveries_leased",
            "subscription_id",
            "locked_until",
            postgresql_where=text("status = 'pending' AND locked_until IS NOT NULL"),
        ),
        Index("ix_webhook_deliveries_subscription_created", "subscription_id", "created_at"),
        Index("ix_webhook_deliveries_site_created", "site_id", "created_at"),
        Index(
            "ix_webhook_deliveries_reservation",
            "reservation_id",
            postgresql_where=text("reservation_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    webhook_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(64))
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    reservation_id: Mapped[uuid.UUID | None]
    # The event envelope, sent as the request body.
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    attempts: Mapped[int] = mapped_column(server_default=text("0"))
    next_attempt_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
    # W3C trace context of the fan-out that created it (tracing on); parent of every attempt.
    trace_context: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
