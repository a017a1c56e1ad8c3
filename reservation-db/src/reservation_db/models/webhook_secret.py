from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, created_at_column, uuid_pk


class WebhookSecret(Base):
    """A signing secret of a subscription, Fernet-encrypted (``reservation_common.crypto``).

    Active while ``expires_at`` is null or in the future; during a rotation the old secret gets an
    ``expires_at`` and every active secret signs, so receivers can switch without a gap.
    """

    __tablename__ = "webhook_secrets"
    __table_args__ = (Index("ix_webhook_secrets_subscription", "subscription_id", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    subscription_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"WebhookSecret(id={self.id}, subscription_id={self.subscription_id})"
