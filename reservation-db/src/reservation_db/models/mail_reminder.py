from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base


class MailReminder(Base):
    """The reminders' ledger: one row per reservation and kind, so each is sent exactly once."""

    __tablename__ = "mail_reminders"

    reservation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
