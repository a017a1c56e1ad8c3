"""In-app notifications, written in the transaction of the change they announce."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reservation_db.models import Notification
from sqlalchemy.ext.asyncio import AsyncSession


async def notify(
    session: AsyncSession,
    user_id: str,
    kind: str,
    message: str,
    links: Sequence[Mapping[str, Any]] = (),
) -> Notification:
    """Queue a notification for ``user_id``; ``links`` are ``{"rel": ..., "href": ...}``."""
    row = Notification(user_id=user_id, kind=kind, message=message, links=[dict(x) for x in links])
    session.add(row)
    await session.flush()
    return row
