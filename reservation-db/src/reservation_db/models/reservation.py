from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Interval,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSTZRANGE, Range
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class ReservationStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    REJECTED = "rejected"
    FAILED = "failed"


class ProvisioningState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    READY = "ready"
    FAILED = "failed"
    RELEASED = "released"


_STATUSES = ", ".join(f"'{s.value}'" for s in ReservationStatus)
_PROVISIONING = ", ".join(f"'{s.value}'" for s in ProvisioningState)


class Reservation(TimestampMixin, Base):
    """A booking of one resource (and so of its subtree) over a half-open period [start, end)."""

    __tablename__ = "reservations"
    __table_args__ = (
        # The site is stored for listing and authorisation; the composite key keeps it true.
        ForeignKeyConstraint(
            ["site_id", "resource_id"],
            ["resources.site_id", "resources.id"],
            name="fk_reservations_resource_same_site",
        ),
        CheckConstraint(
            "NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)"
            " AND NOT lower_inf(period) AND NOT upper_inf(period)",
            name="period_half_open",
        ),
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        CheckConstraint(f"provisioning_state IN ({_PROVISIONING})", name="provisioning_state"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity"),
        Index("ix_reservations_site_period", "site_id", "period", postgresql_using="gist"),
        Index("ix_reservations_resource_period", "resource_id", "period", postgresql_using="gist"),
        Index("ix_reservations_owner_period", "owner_id", "period", postgresql_using="gist"),
        Index("ix_reservations_status", "status"),
        # Most reservations belong to no series and no group: only those that do are indexed
        # (every lookup asks for one series or group, which implies IS NOT NULL).
        Index(
            "ix_reservations_series_id", "series_id", postgresql_where=text("series_id IS NOT NULL")
        ),
        Index(
            "ix_reservations_group_id", "group_id", postgresql_where=text("group_id IS NOT NULL")
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    resource_id: Mapped[uuid.UUID] = mapped_column()
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    status: Mapped[str] = mapped_column(String(16))
    status_reason: Mapped[str | None] = mapped_column(Text)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    provisioning_state: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    provisioning_message: Mapped[str | None] = mapped_column(Text)
    provisioning_details: Mapped[dict[str, Any]] = mapped_column(
        JSONB, server_default=text("'{}'::jsonb")
    )
    provisioning_updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # Units of the resource's capacity held at every instant of the period.
    quantity: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # An occurrence of a series, a member of a group (find and book), or neither.
    series_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("reservation_series.id", ondelete="SET NULL")
    )
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("reservation_groups.id", ondelete="SET NULL")
    )
    # Fair use: how much later the end is than first booked (extensions add, shortening takes
    # back), and when the owner checked in (types with a check-in rule release it otherwise).
    extended_by: Mapped[timedelta] = mapped_column(Interval, server_default=text("'0'"))
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # eager_defaults: INSERT/UPDATE ... RETURNING brings created_at/updated_at back at once.
    __mapper_args__: Any = {"version_id_col": version, "eager_defaults": True}
