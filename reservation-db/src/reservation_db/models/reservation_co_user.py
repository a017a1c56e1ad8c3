from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, created_at_column


class CoUserRole(StrEnum):
    ATTENDEE = "attendee"  # sees the booking, is notified, their SSH keys go to integrations
    CO_MANAGER = "co-manager"  # an attendee who may also extend or cancel it


class ReservationCoUser(Base):
    """A site member who shares a reservation with its owner (``co_users/``)."""

    __tablename__ = "reservation_co_users"
    __table_args__ = (CheckConstraint("role IN ('attendee', 'co-manager')", name="role"),)

    reservation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_at_column()
