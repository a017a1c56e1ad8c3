"""In-app notifications, written in the transaction of the change they announce.

Each one keeps its English ``message`` and the ``params`` it is made of (title, resource, start,
end, site, role...), so a client words ``kind`` in its own language."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import String, Text, insert, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_db.models.notification import Notification
from reservation_db.models.site_member import SiteMember, SiteRole

__all__ = ["add", "add_for_site_admins", "add_many", "entry"]


async def add(
    session: AsyncSession,
    user_id: str,
    kind: str,
    message: str,
    links: Sequence[Mapping[str, Any]] = (),
    *,
    params: Mapping[str, Any] | None = None,
) -> Notification:
    """Queue a notification for ``user_id``; ``links`` are ``{"rel": ..., "href": ...}``."""
    row = Notification(
        user_id=user_id,
        kind=kind,
        message=message,
        links=[dict(x) for x in links],
        params=dict(params or {}),
    )
    session.add(row)
    await session.flush()
    return row


def entry(
    user_id: str,
    kind: str,
    message: str,
    links: Sequence[Mapping[str, Any]] = (),
    *,
    id: uuid.UUID | None = None,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The column values of one notification, for :func:`add_many`; a new ``id`` unless given."""
    return {
        "id": id if id is not None else uuid.uuid4(),
        "user_id": user_id,
        "kind": kind,
        "message": message,
        "links": [dict(x) for x in links],
        "params": dict(params or {}),
    }


async def add_many(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many notifications (``user_id``, ``kind``, ``message``, ``links``, ``params``, optionally
    ``id``; see :func:`entry`) in one INSERT."""
    if rows:
        await session.execute(insert(Notification), [{"params": {}, **dict(row)} for row in rows])


async def add_for_site_admins(
    session: AsyncSession,
    *,
    site_id: uuid.UUID,
    kind: str,
    message: str,
    links: Sequence[Mapping[str, Any]] = (),
    params: Mapping[str, Any] | None = None,
) -> None:
    """The same notification for every site admin of ``site_id``, in one statement."""
    admins = select(
        SiteMember.user_id,
        literal(kind, String()),
        literal(message, Text()),
        literal([dict(x) for x in links], JSONB()),
        literal(dict(params or {}), JSONB()),
    ).where(SiteMember.site_id == site_id, SiteMember.role == SiteRole.SITE_ADMIN.value)
    await session.execute(
        insert(Notification).from_select(["user_id", "kind", "message", "links", "params"], admins)
    )
