from __future__ import annotations

import uuid
from typing import Any

from reservation_db.models import Notification
from sqlalchemy import Select, func, select, update
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


async def mark_all_read(session: AsyncSession, user_id: str) -> int:
    stmt = (
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=func.now())
        .returning(Notification.id)
    )
    return len((await session.execute(stmt)).all())
