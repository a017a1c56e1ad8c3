from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.dialects.postgresql import TSTZRANGE, Range
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, created_at_column, uuid_pk


class WaitlistStatus(StrEnum):
    WAITING = "waiting"  # in line, in the order of created_at
    OFFERED = "offered"  # the period is free: told, first in line until confirm_by
    BOOKED = "booked"  # booked for them (auto_book), to confirm by confirm_by
    CONFIRMED = "confirmed"  # they confirmed the booking (or booked the offer themselves)
    EXPIRED = "expired"  # the wait, an offer or an unconfirmed booking ran out
    CANCELLED = "cancelled"  # they left the line


_STATUSES = ", ".join(f"'{s.value}'" for s in WaitlistStatus)


class WaitlistEntry(Base):
    """A member waiting for a busy period of one resource (``fairuse/waitlist.py``)."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity"),
        CheckConstraint(
            "NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)"
            " AND NOT lower_inf(period) AND NOT upper_inf(period)",
            name="period_half_open",
        ),
        Index("ix_waitlist_entries_open", "resource_id", "created_at",
              postgresql_where=text("status IN ('waiting', 'offered', 'booked')")),
    )  # fmt: skip

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    auto_book: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Units of a pooled resource waited for (1 for any other resource).
    quantity: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'waiting'"))
    expires_at: Mapped[datetime] = mapped_column()
    confirm_by: Mapped[datetime | None] = mapped_column()
    reservation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("reservations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = created_at_column()
