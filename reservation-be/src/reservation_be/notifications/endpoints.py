from __future__ import annotations

import uuid

from fastapi import APIRouter

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.notifications import service
from reservation_be.notifications.schemas import MarkedRead, NotificationOut, UnreadCount

router = APIRouter(
    prefix="/notifications", tags=["notifications"], responses=problem_responses(401, 403)
)


@router.get("", response_model=Page[NotificationOut], summary="The caller's notifications")
async def list_notifications(
    session: SessionDep, actor: ActorDep, pagination: PaginationDep, unread: bool = False
) -> Page[NotificationOut]:
    items, total = await service.list_notifications(session, actor, pagination, unread_only=unread)
    return Page[NotificationOut].build(items, total, pagination)


@router.get("/unread-count", response_model=UnreadCount, summary="How many are unread")
async def unread_count(session: SessionDep, actor: ActorDep) -> UnreadCount:
    return UnreadCount(unread=await service.unread_count(session, actor))


@router.post("/read-all", response_model=MarkedRead, summary="Mark every notification read")
async def mark_all_read(session: SessionDep, actor: ActorDep) -> MarkedRead:
    return MarkedRead(updated=await service.mark_all_read(session, actor))


@router.post(
    "/{notification_id}/read",
    response_model=NotificationOut,
    summary="Mark one notification read",
    responses=problem_responses(404),
)
async def mark_read(
    session: SessionDep, actor: ActorDep, notification_id: uuid.UUID
) -> NotificationOut:
    return await service.mark_read(session, actor, notification_id)
