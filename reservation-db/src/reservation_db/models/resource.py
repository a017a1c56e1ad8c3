from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reservation_db.models.base import Base, TimestampMixin, uuid_pk
from reservation_db.models.resource_type import ResourceType


class ResourceStatus(StrEnum):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


class Resource(TimestampMixin, Base):
    """A bookable thing. Booking a resource books its whole subtree."""

    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("site_id", "name", name="uq_resources_site_name"),
        UniqueConstraint("site_id", "id", name="uq_resources_site_id"),
        # Composite keys keep the type and the parent in the resource's own site.
        ForeignKeyConstraint(
            ["site_id", "type_id"],
            ["resource_types.site_id", "resource_types.id"],
            name="fk_resources_type_same_site",
        ),
        ForeignKeyConstraint(
            ["site_id", "parent_id"],
            ["resources.site_id", "resources.id"],
            name="fk_resources_parent_same_site",
        ),
        ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_resources_site", ondelete="CASCADE"
        ),
        CheckConstraint("status IN ('active', 'maintenance', 'retired')", name="status"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        CheckConstraint("capacity IS NULL OR capacity BETWEEN 1 AND 1000", name="capacity"),
        Index("ix_resources_parent_id", "parent_id"),
        Index("ix_resources_type_id", "type_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column()
    type_id: Mapped[uuid.UUID] = mapped_column()
    parent_id: Mapped[uuid.UUID | None] = mapped_column()
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    location: Mapped[str] = mapped_column(String(200), server_default=text("''"))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    status: Mapped[str] = mapped_column(String(16), server_default=text("'active'"))
    # Units lent at once; null: the type's capacity.
    capacity: Mapped[int | None] = mapped_column(Integer)

    type: Mapped[ResourceType] = relationship(
        lazy="raise", foreign_keys=[type_id], primaryjoin="Resource.type_id == ResourceType.id"
    )
