from __future__ import annotations

import uuid

from reservation_db.models import Site, SiteMember, SiteRole, User
from sqlalchemy import Select, delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession


def members_of(site_id: uuid.UUID, *, role: SiteRole | None = None) -> Select[SiteMember, User]:
    stmt = (
        select(SiteMember, User)
        .join(User, User.id == SiteMember.user_id)
        .where(SiteMember.site_id == site_id)
    )
    if role is not None:
        stmt = stmt.where(SiteMember.role == role.value)
    return stmt.order_by(func.lower(User.username), User.id)


async def lock_site(session: AsyncSession, site_id: uuid.UUID) -> None:
    """Serialise membership changes of one site (the last-admin rule counts admins).

    FOR NO KEY UPDATE: it does not block inserts that reference the site (their foreign-key
    checks take KEY SHARE), so bookings go on while members change.
    """
    await session.execute(select(Site.id).where(Site.id == site_id).with_for_update(key_share=True))


async def get_member(
    session: AsyncSession, site_id: uuid.UUID, user_id: str
) -> tuple[SiteMember, User] | None:
    stmt = (
        select(SiteMember, User)
        .join(User, User.id == SiteMember.user_id)
        .where(SiteMember.site_id == site_id, SiteMember.user_id == user_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row else None


async def count_admins(session: AsyncSession, site_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        SiteMember.site_id == site_id, SiteMember.role == SiteRole.SITE_ADMIN.value
    )
    return int((await session.execute(stmt)).scalar_one())


async def upsert_user(
    session: AsyncSession,
    *,
    user_id: str,
    username: str,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
) -> User:
    fields = {
        "username": username,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
    }
    stmt = (
        insert(User)
        .values(id=user_id, **fields)
        .on_conflict_do_update(index_elements=[User.id], set_=fields)
        .returning(User)
    )
    result = await session.execute(stmt, execution_options={"populate_existing": True})
    user: User = result.scalar_one()
    return user


async def delete_member(session: AsyncSession, site_id: uuid.UUID, user_id: str) -> None:
    await session.execute(
        delete(SiteMember).where(SiteMember.site_id == site_id, SiteMember.user_id == user_id)
    )
