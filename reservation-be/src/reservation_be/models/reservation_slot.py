from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.dialects.postgresql import TSTZRANGE, ExcludeConstraint, Range
from sqlalchemy.orm import Mapped, mapped_column

from reservation_be.models.base import Base


class ReservationSlot(Base):
    """One resource held by one reservation over its widened period.

    A reservation holds a slot on its resource and on every descendant. Two reservations
    conflict exactly when they hold a slot on the same resource over overlapping periods, and
    the exclusion constraint refuses the second one (see docs/architecture.md, booking).
    """

    __tablename__ = "reservation_slots"
    __table_args__ = (
        ExcludeConstraint(
            ("resource_id", "="),
            ("period", "&&"),
            using="gist",
            name="ex_reservation_slots_no_overlap",
        ),
    )

    reservation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE"), primary_key=True
    )
    resource_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
