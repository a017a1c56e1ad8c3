from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Interval,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk

DEFAULT_PARAMETERS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {},
    "additionalProperties": False,
}


class ResourceType(TimestampMixin, Base):
    """A kind of bookable thing in a site, with the booking rules every reservation obeys."""

    __tablename__ = "resource_types"
    __table_args__ = (
        UniqueConstraint("site_id", "name", name="uq_resource_types_site_name"),
        # Target of the composite foreign key that keeps a resource's type in its own site.
        UniqueConstraint("site_id", "id", name="uq_resource_types_site_id"),
        CheckConstraint("lead_time >= interval '0'", name="lead_time"),
        CheckConstraint("teardown_grace >= interval '0'", name="teardown_grace"),
        CheckConstraint("minimum_notice >= interval '0'", name="minimum_notice"),
        CheckConstraint("max_duration IS NULL OR max_duration > interval '0'", name="max_duration"),
        CheckConstraint(
            "booking_horizon IS NULL OR booking_horizon > interval '0'", name="booking_horizon"
        ),
        CheckConstraint("max_occurrences IS NULL OR max_occurrences > 0", name="max_occurrences"),
        CheckConstraint("capacity BETWEEN 1 AND 1000", name="capacity"),
        CheckConstraint(
            "on_provisioning_failure IN ('release', 'keep')", name="on_provisioning_failure"
        ),
        CheckConstraint(
            "extension_window IS NULL OR extension_window > interval '0'", name="extension_window"
        ),
        CheckConstraint(
            "max_extension IS NULL OR max_extension >= interval '0'", name="max_extension"
        ),
        CheckConstraint(
            "checkin_within IS NULL OR checkin_within > interval '0'", name="checkin_within"
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(7), server_default=text("'#4f46e5'"))
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    parameters: Mapped[dict[str, Any]] = mapped_column(
        JSONB, server_default=text(f"'{json.dumps(DEFAULT_PARAMETERS_SCHEMA)}'::jsonb")
    )
    lead_time: Mapped[timedelta] = mapped_column(Interval, server_default=text("'0'"))
    teardown_grace: Mapped[timedelta] = mapped_column(Interval, server_default=text("'0'"))
    max_duration: Mapped[timedelta | None] = mapped_column(Interval)
    booking_horizon: Mapped[timedelta | None] = mapped_column(Interval)
    minimum_notice: Mapped[timedelta] = mapped_column(Interval, server_default=text("'0'"))
    requires_approval: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    # Most occurrences one recurring series may book (NULL: the platform's default).
    max_occurrences: Mapped[int | None] = mapped_column(Integer)
    # Units lent at once (a room's seats, a GPU pool); a resource may set its own.
    capacity: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    # Fair use (fairuse/rules.py): what a provisioning failure does to the slots, when and by
    # how much a booking may be extended, and how soon after its start it must be checked in.
    on_provisioning_failure: Mapped[str] = mapped_column(
        String(16), server_default=text("'release'")
    )
    extension_window: Mapped[timedelta | None] = mapped_column(Interval)
    max_extension: Mapped[timedelta | None] = mapped_column(Interval)
    checkin_within: Mapped[timedelta | None] = mapped_column(Interval)
