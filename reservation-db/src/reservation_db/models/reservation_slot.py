from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index
from sqlalchemy.dialects.postgresql import TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base


class ReservationSlot(Base):
    """One resource held by one reservation over its widened period.

    A reservation holds a slot on its resource and on every descendant. Two reservations
    conflict exactly when they hold a slot on the same resource over overlapping periods, and
    the exclusion constraint refuses the second one (see docs/architecture.md, booking).
    A blackout (maintenance window) holds its resources with slots too, so bookings and
    blackouts exclude each other through the same constraint: a slot belongs to exactly one
    reservation or one blackout.
    """

    __tablename__ = "reservation_slots"
    __table_args__ = (
        ExcludeConstraint(
            ("resource_id", "="),
            ("period", "&&"),
            using="gist",
            name="ex_reservation_slots_no_overlap",
        ),
        CheckConstraint("num_nonnulls(reservation_id, blackout_id) = 1", name="one_holder"),
        Index("uq_reservation_slots_reservation", "reservation_id", "resource_id", unique=True),
        Index("uq_reservation_slots_blackout", "blackout_id", "resource_id", unique=True),
    )

    reservation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE")
    )
    blackout_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("blackouts.id", ondelete="CASCADE")
    )
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)

    # No two slots share a resource over overlapping periods (the exclusion constraint), so
    # (resource, period) identifies a row.
    __mapper_args__: Any = {"primary_key": [resource_id, period]}
