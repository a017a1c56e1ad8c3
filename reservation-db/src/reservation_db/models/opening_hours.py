from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class OpeningHours(TimestampMixin, Base):
    """When a site, a resource type or one resource may be booked, in the site's time zone.

    ``weekly``: ``[{"weekday": 0..6 (Monday 0), "opens": "09:00", "closes": "18:00"}]``;
    ``exceptions``: ``[{"date": "2026-12-25", "closed": true, "reason": ...}]`` or a date with
    its own ``opens``/``closes``. The most specific schedule decides (see
    ``reservation_be/opening_hours/rules.py``).
    """

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("num_nonnulls(resource_type_id, resource_id) <= 1", name="one_scope"),
        Index(
            "uq_opening_hours_scope",
            "site_id",
            "resource_type_id",
            "resource_id",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    resource_type_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resource_types.id", ondelete="CASCADE")
    )
    resource_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("resources.id", ondelete="CASCADE")
    )
    weekly: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, server_default=text("'[]'::jsonb"))
    exceptions: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb")
    )
    updated_by: Mapped[str] = mapped_column(String(255))
