from __future__ import annotations

import uuid
from typing import Any

from reservation_db.models import Notification
from sqlalchemy import Select, func, literal, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession


def for_user(user_id: str, *, unread_only: bool = False) -> Select[Any]:
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    return stmt.order_by(Notification.created_at.desc(), Notification.id.desc())


async def unread_count(session: AsyncSession, user_id: str) -> int:
    stmt = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int((await session.execute(stmt)).scalar_one())


async def get(
    session: AsyncSession, user_id: str, notification_id: uuid.UUID
) -> Notification | None:
    stmt = select(Notification).where(
        Notification.user_id == user_id, Notification.id == notification_id
    )
    return (await session.execute(stmt)).scalars().first()


async def after(
    session: AsyncSession, user_id: str, last_id: uuid.UUID, *, limit: int
) -> list[Notification]:
    """``user_id``'s notifications written after ``last_id`` (one of theirs), oldest first; none
    when ``last_id`` is not theirs."""
    since = (
        select(Notification.created_at)
        .where(Notification.id == last_id, Notification.user_id == user_id)
        .scalar_subquery()
    )
    later = tuple_(Notification.created_at, Notification.id) > tuple_(since, literal(last_id))
    rows = await session.execute(
        select(Notification)
        .where(Notification.user_id == user_id, later)
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def by_id(session: AsyncSession, notification_id: uuid.UUID) -> Notification | None:
    return await session.get(Notification, notification_id)


async def mark_all_read(session: AsyncSession, user_id: str) -> int:
    stmt = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=func.now())
        .returning(Notification.id)
    )
    return len((await session.execute(stmt)).all())
