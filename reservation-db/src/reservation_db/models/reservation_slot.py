from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, text
from sqlalchemy.dialects.postgresql import TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base


class ReservationSlot(Base):
    """One unit of one resource held by one reservation over (a piece of) its widened period.

    A reservation holds every unit of its resource and of every descendant, or, when it asks
    for a quantity below its resource's capacity, that many units of its resource at every
    instant (see docs/architecture.md, capacity). Two reservations conflict exactly when they
    hold the same unit of the same resource over overlapping periods, and the exclusion
    constraint refuses the second one (see docs/architecture.md, booking).
    A blackout (maintenance window) holds its resources with slots too, so bookings and
    blackouts exclude each other through the same constraint: a slot belongs to exactly one
    reservation or one blackout.
    """

    __tablename__ = "reservation_slots"
    __table_args__ = (
        ExcludeConstraint(
            ("resource_id", "="),
            ("unit", "="),
            ("period", "&&"),
            using="gist",
            name="ex_reservation_slots_no_overlap",
        ),
        CheckConstraint("num_nonnulls(reservation_id, blackout_id) = 1", name="one_holder"),
        CheckConstraint("unit >= 0 AND unit < 1000", name="unit"),
        Index("ix_reservation_slots_reservation", "reservation_id", "resource_id"),
        # Only a maintenance window's slots have a blackout_id: the others are not indexed.
        Index(
            "ix_reservation_slots_blackout",
            "blackout_id",
            "resource_id",
            postgresql_where=text("blackout_id IS NOT NULL"),
        ),
    )

    reservation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE")
    )
    blackout_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("blackouts.id", ondelete="CASCADE")
    )
    resource_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"))
    unit: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)

    # No two slots share a unit of a resource over overlapping periods (the exclusion
    # constraint), so (resource, unit, period) identifies a row.
    __mapper_args__: Any = {"primary_key": [resource_id, unit, period]}
