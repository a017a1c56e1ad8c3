"""The queries behind ``policy``: a site with the caller's role, and which sites a user sees,
belongs to or administers. ``policy`` decides; these only read."""

from __future__ import annotations

import uuid

from reservation_db.models import Site, SiteMember, SiteRole, SiteVisibility
from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

__all__ = [
    "administered_site_ids",
    "member_site_ids",
    "role_of",
    "site_with_role",
    "visible_to",
]


async def role_of(session: AsyncSession, site_id: uuid.UUID, user_id: str) -> str | None:
    return (
        await session.execute(
            select(SiteMember.role).where(
                SiteMember.site_id == site_id, SiteMember.user_id == user_id
            )
        )
    ).scalar_one_or_none()


async def site_with_role(
    session: AsyncSession, site_ref: uuid.UUID | str, user_id: str | None
) -> tuple[Site, str | None] | None:
    """The site named by id or slug, with ``user_id``'s role on it (None: not a member)."""
    stmt = select(Site, SiteMember.role).outerjoin(
        SiteMember, (SiteMember.site_id == Site.id) & (SiteMember.user_id == user_id)
    )
    if isinstance(site_ref, uuid.UUID):
        stmt = stmt.where(Site.id == site_ref)
    else:
        try:
            stmt = stmt.where(Site.id == uuid.UUID(site_ref))
        except ValueError:
            stmt = stmt.where(Site.slug == site_ref)
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row is not None else None


def visible_to(user_id: str | None) -> ColumnElement[bool]:
    """Condition on ``Site``: public, or ``user_id`` is a member."""
    # An alias, so the subquery never correlates with a site_members join of the outer query.
    membership = aliased(SiteMember)
    return or_(
        Site.visibility == SiteVisibility.PUBLIC.value,
        exists().where(membership.site_id == Site.id, membership.user_id == user_id),
    )


def member_site_ids(user_id: str | None) -> Select[uuid.UUID]:
    """Sites where ``user_id`` is a member or site-admin (a subquery for ``IN``)."""
    membership = aliased(SiteMember)
    return select(membership.site_id).where(membership.user_id == user_id)


def administered_site_ids(user_id: str | None) -> Select[uuid.UUID]:
    """Sites where ``user_id`` is a site-admin (a subquery for ``IN``)."""
    membership = aliased(SiteMember)
    return select(membership.site_id).where(
        membership.user_id == user_id, membership.role == SiteRole.SITE_ADMIN.value
    )
