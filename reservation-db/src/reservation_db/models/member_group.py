from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class MemberGroup(TimestampMixin, Base):
    """A named set of a site's members (a lab, a course, a project) that quotas can bind.

    A member may be in several groups of a site. See ``fairuse/rules.py`` for how a group's
    quotas apply (``total``: the members together; ``each``: every member on their own).
    """

    __tablename__ = "member_groups"
    __table_args__ = (UniqueConstraint("site_id", "name", name="uq_member_groups_site_name"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, server_default="")


class MemberGroupMember(Base):
    __tablename__ = "member_group_members"
    __table_args__ = (Index("ix_member_group_members_user_id", "user_id"),)

    group_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("member_groups.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
