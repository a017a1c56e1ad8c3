from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin


class NotificationPreference(TimestampMixin, Base):
    """What a user wants by e-mail; a user without a row gets the defaults (``mail/kinds.py``)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint("reminder_start_minutes BETWEEN 1 AND 10080", name="reminder_start"),
        CheckConstraint("reminder_end_minutes BETWEEN 1 AND 10080", name="reminder_end"),
    )

    user_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    locale: Mapped[str | None] = mapped_column(String(16))
    # {"booking_confirmed": false, ...}: only the kinds the user changed from the default.
    kinds: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    reminder_start_minutes: Mapped[int] = mapped_column(Integer, server_default=text("30"))
    reminder_end_minutes: Mapped[int] = mapped_column(Integer, server_default=text("15"))
    # SHA-256 of the secret in the user's calendar feed URL; NULL: no feed.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    calendar_token_created_at: Mapped[datetime | None]
