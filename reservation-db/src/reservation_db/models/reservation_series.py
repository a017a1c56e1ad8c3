from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Integer,
    Interval,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class ConflictMode(StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"
    SKIP_CONFLICTS = "skip-conflicts"


class SeriesStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class ReservationSeries(TimestampMixin, Base):
    """A recurring booking: an RRULE over the site's time zone. Each occurrence is an ordinary
    reservation pointing here (``reservations.series_id``)."""

    __tablename__ = "reservation_series"
    __table_args__ = (
        ForeignKeyConstraint(
            ["site_id", "resource_id"],
            ["resources.site_id", "resources.id"],
            name="fk_reservation_series_resource_same_site",
        ),
        CheckConstraint(
            "conflict_mode IN ('all-or-nothing', 'skip-conflicts')", name="conflict_mode"
        ),
        CheckConstraint("status IN ('active', 'cancelled')", name="status"),
        CheckConstraint("duration > interval '0'", name="duration"),
        CheckConstraint("version >= 1", name="version"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    resource_id: Mapped[uuid.UUID] = mapped_column()
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    rrule: Mapped[str] = mapped_column(String(500))
    time_zone: Mapped[str] = mapped_column(String(64))
    # The first occurrence's start (its wall time in ``time_zone`` is every occurrence's) and
    # the wall-clock length of each occurrence.
    first_start: Mapped[datetime] = mapped_column()
    duration: Mapped[timedelta] = mapped_column(Interval)
    conflict_mode: Mapped[str] = mapped_column(String(16))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'active'"))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    __mapper_args__: Any = {"version_id_col": version, "eager_defaults": True}
