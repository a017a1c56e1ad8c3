"""Plain async factories. Each commits, so the API under test sees the rows."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from reservation_be.main import close_app, create_app
from reservation_be.settings import Settings
from reservation_db.models import Site, SiteMember, SiteRole, SiteVisibility, User
from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession


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


async def lock_waiters(session: AsyncSession) -> int:
    """How many backends of the test's database wait for a lock now."""
    found = await session.execute(_LOCK_WAITERS)
    await session.commit()
    return int(found.scalar_one())


@asynccontextmanager
async def resources_locked(db: AsyncEngine, **where: Any) -> AsyncIterator[None]:
    """The ``resources`` rows matching ``where`` (column = value) held ``FOR UPDATE`` by a
    connection of their own for the block: every booking of them that reaches its write waits
    on that lock inside PostgreSQL, where ``lock_waiters`` counts it."""
    condition = " AND ".join(f"{column} = :{column}" for column in where)
    async with db.connect() as holder:
        await holder.execute(text(f"SELECT 1 FROM resources WHERE {condition} FOR UPDATE"), where)
        try:
            yield
        finally:
            await holder.rollback()


@asynccontextmanager
async def app_client(settings: Settings, **update: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client of an app of its own, with ``settings`` changed by ``update`` (a pool of 8)."""
    app = create_app(settings.model_copy(update={"database_pool_size": 8, **update}))
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        await close_app(app)


async def wait_for_lock_waiters(session: AsyncSession, count: int, *, seconds: float) -> None:
    """Until ``count`` backends of the test's database wait for a lock; fails after
    ``seconds``."""
    for _ in range(int(seconds * 10)):
        await asyncio.sleep(0.1)
        if await lock_waiters(session) >= count:
            return
    raise AssertionError(f"{count} backend(s) never waited for a lock within {seconds} s")


async def lock_waiters_stay_at(
    session: AsyncSession, count: int, *, seconds: float, steady: float = 0.5
) -> None:
    """Until ``count`` backends wait for a lock (fails after ``seconds``), then exactly
    ``count`` wait for ``steady`` seconds more: no other request reaches the lock meanwhile."""
    await wait_for_lock_waiters(session, count, seconds=seconds)
    for _ in range(int(steady * 10)):
        await asyncio.sleep(0.1)
        assert await lock_waiters(session) == count


def assert_no_turn(response: httpx.Response, waited: str = "0.3 s") -> None:
    """``response`` is the 503 problem+json of a request that got no booking turn within
    ``waited``, with ``Retry-After: 1``."""
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    problem = response.json()
    assert problem["type"] == "urn:reservation:problem:unavailable"
    assert waited in problem["detail"]
