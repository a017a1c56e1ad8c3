from __future__ import annotations

import uuid
from typing import Any

from reservation_be.kit.schemas import Schema, UTCDatetime


class NotificationOut(Schema):
    id: uuid.UUID
    kind: str
    # The English sentence; clients word ``kind`` with ``params`` in their language and show
    # ``message`` for a kind they do not know (or a row written before ``params`` were kept).
    message: str
    # The parts of the sentence: title, resource, start, end (UTC), status, site, role...
    params: dict[str, Any] = {}
    links: list[dict[str, Any]]
    created_at: UTCDatetime
    read_at: UTCDatetime | None
    read: bool = False


class UnreadCount(Schema):
    unread: int


class MarkedRead(Schema):
    updated: int
