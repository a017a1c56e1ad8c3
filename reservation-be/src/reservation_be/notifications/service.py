from __future__ import annotations

import uuid

from reservation_db.models import Notification
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit.errors import NotFound
from reservation_be.kit.pagination import PaginationParams, paginate
from reservation_be.notifications import repository
from reservation_be.notifications.schemas import NotificationOut


def to_out(row: Notification) -> NotificationOut:
    out = NotificationOut.model_validate(row)
    return out.model_copy(update={"read": row.read_at is not None})


async def list_notifications(
    session: AsyncSession, actor: Actor, params: PaginationParams, *, unread_only: bool
) -> tuple[list[NotificationOut], int]:
    policy.require_user(actor)
    rows, total = await paginate(
        session, repository.for_user(actor.user_id, unread_only=unread_only), params
    )
    return [to_out(r) for r in rows], total


async def unread_count(session: AsyncSession, actor: Actor) -> int:
    policy.require_user(actor)
    return await repository.unread_count(session, actor.user_id)


async def mark_read(
    session: AsyncSession, actor: Actor, notification_id: uuid.UUID
) -> NotificationOut:
    policy.require_user(actor)
    row = await repository.get(session, actor.user_id, notification_id)
    if row is None:
        raise NotFound("Notification not found.")
    if row.read_at is None:
        row.read_at = func.now()
        await session.flush()
        await session.refresh(row)
    return to_out(row)


async def mark_all_read(session: AsyncSession, actor: Actor) -> int:
    policy.require_user(actor)
    return await repository.mark_all_read(session, actor.user_id)
