from __future__ import annotations

import uuid
from typing import Any

from reservation_be.kit.schemas import Schema, UTCDatetime


class NotificationOut(Schema):
    id: uuid.UUID
    kind: str
    message: str
    links: list[dict[str, Any]]
    created_at: UTCDatetime
    read_at: UTCDatetime | None
    read: bool = False


class UnreadCount(Schema):
    unread: int


class MarkedRead(Schema):
    updated: int
