"""Plain async factories. Each commits, so the API under test sees the rows."""

from __future__ import annotations

import asyncio
import uuid

from reservation_db.models import Site, SiteMember, SiteRole, SiteVisibility, User
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


async def ensure_user(
    session: AsyncSession,
    user_id: str,
    username: str,
    *,
    email: str | None = None,
    commit: bool = True,
) -> str:
    await session.execute(
        insert(User)
        .values(id=user_id, username=username, email=email)
        .on_conflict_do_nothing(index_elements=[User.id])
    )
    if commit:
        await session.commit()
    return user_id


async def create_site(
    session: AsyncSession,
    *,
    slug: str | None = None,
    name: str | None = None,
    visibility: SiteVisibility | str = SiteVisibility.PUBLIC,
    commit: bool = True,
) -> Site:
    slug = slug or f"site-{uuid.uuid4().hex[:8]}"
    site = Site(slug=slug, name=name or slug.title(), visibility=str(visibility))
    session.add(site)
    await (session.commit() if commit else session.flush())
    return site


async def add_member(
    session: AsyncSession,
    site: Site | uuid.UUID,
    user_id: str,
    role: SiteRole | str = SiteRole.MEMBER,
    *,
    username: str | None = None,
    commit: bool = True,
) -> None:
    site_id = site.id if isinstance(site, Site) else site
    await ensure_user(session, user_id, username or user_id, commit=False)
    session.add(SiteMember(site_id=site_id, user_id=user_id, role=str(role)))
    await (session.commit() if commit else session.flush())


_LOCK_WAITERS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND wait_event_type = 'Lock'"
)


async def wait_for_lock_waiters(session: AsyncSession, count: int, *, seconds: float) -> None:
    """Until ``count`` backends of the test's database wait for a lock; fails after
    ``seconds``."""
    for _ in range(int(seconds * 10)):
        await asyncio.sleep(0.1)
        found = await session.execute(_LOCK_WAITERS)
        await session.commit()
        if found.scalar_one() >= count:
            return
    raise AssertionError(f"{count} backend(s) never waited for a lock within {seconds} s")
