from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class ReservationGroup(TimestampMixin, Base):
    """N resources booked together in one transaction (a lease): one reservation per resource
    points here (``reservations.group_id``); the group is cancelled or extended as a whole."""

    __tablename__ = "reservation_groups"
    __table_args__ = (CheckConstraint("version >= 1", name="version"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    owner_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"))

    __mapper_args__: Any = {"version_id_col": version, "eager_defaults": True}
