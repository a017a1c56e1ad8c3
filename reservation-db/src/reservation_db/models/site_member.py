from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reservation_db.models.base import Base, created_at_column

if TYPE_CHECKING:
    from reservation_db.models.site import Site
    from reservation_db.models.user import User


class SiteRole(StrEnum):
    SITE_ADMIN = "site-admin"
    MEMBER = "member"


class SiteMember(Base):
    __tablename__ = "site_members"
    __table_args__ = (CheckConstraint("role IN ('site-admin', 'member')", name="role"),)

    site_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = created_at_column()

    site: Mapped[Site] = relationship(lazy="raise")
    user: Mapped[User] = relationship(lazy="raise")
