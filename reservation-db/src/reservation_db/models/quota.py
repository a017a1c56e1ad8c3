from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, Interval, String, text
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class QuotaWindow(StrEnum):
    """The rolling window of a booked-hours limit: any 1, 7 or 30 consecutive days."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


WINDOW_LENGTH = {
    QuotaWindow.DAY: timedelta(days=1),
    QuotaWindow.WEEK: timedelta(days=7),
    QuotaWindow.MONTH: timedelta(days=30),
}
_WINDOWS = ", ".join(f"'{w.value}'" for w in QuotaWindow)


class GroupScope(StrEnum):
    """How a member group's quota binds: the group's members together, or each on their own."""

    TOTAL = "total"
    EACH = "each"


class Quota(TimestampMixin, Base):
    """Limits on what members hold in a site (optionally on one resource type).

    Whom it binds: ``user_id`` one member; ``group_id`` with ``group_scope`` a member group
    (``total``: its members together, ``each``: every member of it on their own); neither:
    every member on their own. See ``fairuse/rules.py`` for which quotas apply to a booking.
    """

    __tablename__ = "quotas"
    __table_args__ = (
        CheckConstraint(f"booked_window IS NULL OR booked_window IN ({_WINDOWS})", name="window"),
        CheckConstraint("(max_booked IS NULL) = (booked_window IS NULL)", name="booked_pair"),
        CheckConstraint(
            "num_nonnulls(max_concurrent, max_booked, max_future, max_resources) > 0",
            name="limits_something",
        ),
        CheckConstraint("max_concurrent IS NULL OR max_concurrent >= 0", name="max_concurrent"),
        CheckConstraint("max_future IS NULL OR max_future >= 0", name="max_future"),
        CheckConstraint("max_resources IS NULL OR max_resources >= 0", name="max_resources"),
        CheckConstraint("max_booked IS NULL OR max_booked >= interval '0'", name="max_booked"),
        CheckConstraint("user_id IS NULL OR group_id IS NULL", name="member_or_group"),
        CheckConstraint("(group_id IS NULL) = (group_scope IS NULL)", name="group_scope_pair"),
        CheckConstraint(
            "group_scope IS NULL OR group_scope IN ('total', 'each')", name="group_scope"
        ),
        # One quota per scope (NULL type = every type, NULL user and group = every member).
        Index(
            "uq_quotas_scope",
            "site_id",
            "resource_type_id",
            "user_id",
            "group_id",
            "group_scope",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    resource_type_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resource_types.id", ondelete="CASCADE")
    )
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("member_groups.id", ondelete="CASCADE"), index=True
    )
    group_scope: Mapped[str | None] = mapped_column(String(8))
    max_concurrent: Mapped[int | None] = mapped_column(Integer)
    max_booked: Mapped[timedelta | None] = mapped_column(Interval)
    booked_window: Mapped[str | None] = mapped_column(String(8))
    max_future: Mapped[int | None] = mapped_column(Integer)
    max_resources: Mapped[int | None] = mapped_column(Integer)
    exempt_site_admins: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
