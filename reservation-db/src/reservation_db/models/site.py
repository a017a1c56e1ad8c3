from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import CheckConstraint, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class SiteVisibility(StrEnum):
    PUBLIC = "public"
    PRIVATE = "private"


class Site(TimestampMixin, Base):
    __tablename__ = "sites"
    __table_args__ = (
        CheckConstraint("visibility IN ('public', 'private')", name="visibility"),
        CheckConstraint("slug ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$'", name="slug_format"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    visibility: Mapped[str] = mapped_column(String(16), server_default=text("'public'"))
    version: Mapped[int] = mapped_column(server_default=text("1"))
    # IANA name; recurring series are expanded in it (a weekly 09:00 stays 09:00 across DST).
    time_zone: Mapped[str] = mapped_column(String(64), server_default=text("'UTC'"))
