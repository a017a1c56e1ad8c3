from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import TSTZRANGE, Range
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class BlackoutScope(StrEnum):
    RESOURCE = "resource"  # the resource alone (bookings of it and of its ancestors)
    SUBTREE = "subtree"  # the resource and everything below it
    SITE = "site"  # every resource of the site


class BlackoutPolicy(StrEnum):
    REFUSE = "refuse"  # refused (409, with the list) when a booking holds part of the period
    CANCEL = "cancel"  # those bookings are cancelled, cause ``maintenance``


_SCOPES = ", ".join(f"'{s.value}'" for s in BlackoutScope)
_POLICIES = ", ".join(f"'{p.value}'" for p in BlackoutPolicy)


class Blackout(TimestampMixin, Base):
    """A maintenance window: holds its period with slots, like a booking (same constraint)."""

    __tablename__ = "blackouts"
    __table_args__ = (
        CheckConstraint(f"scope IN ({_SCOPES})", name="scope"),
        CheckConstraint(f"policy IN ({_POLICIES})", name="policy"),
        CheckConstraint("(scope = 'site') = (resource_id IS NULL)", name="scope_resource"),
        CheckConstraint(
            "NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)"
            " AND NOT lower_inf(period) AND NOT upper_inf(period)",
            name="period_half_open",
        ),
        Index("ix_blackouts_site_period", "site_id", "period", postgresql_using="gist"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE")
    )
    scope: Mapped[str] = mapped_column(String(16))
    policy: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    period: Mapped[Range[datetime]] = mapped_column(TSTZRANGE)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
