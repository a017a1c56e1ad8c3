from __future__ import annotations

from reservation_db.models import Site, SiteMember, SiteVisibility
from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor


def visible_sites(
    actor: Actor, *, visibility: SiteVisibility | None = None, q: str | None = None
) -> Select[Site, str]:
    """Sites the actor can see with the actor's role on each, ordered by name."""
    stmt = (
        select(Site, SiteMember.role)
        .outerjoin(
            SiteMember, and_(SiteMember.site_id == Site.id, SiteMember.user_id == actor.user_id)
        )
        .where(policy.visible_sites_filter(actor))
    )
    if visibility is not None:
        stmt = stmt.where(Site.visibility == visibility.value)
    if q:
        stmt = stmt.where(
            or_(Site.name.icontains(q, autoescape=True), Site.slug.icontains(q, autoescape=True))
        )
    return stmt.order_by(func.lower(Site.name), Site.id)


async def slug_taken(session: AsyncSession, slug: str) -> bool:
    stmt = select(Site.id).where(Site.slug == slug)
    return (await session.execute(stmt)).first() is not None


async def delete_site(session: AsyncSession, site: Site) -> None:
    await session.execute(delete(Site).where(Site.id == site.id))
