from __future__ import annotations

from reservation_be.kit.schemas import Schema, UTCDatetime


class CalendarFeedCreated(Schema):
    token: str
    url: str
    created_at: UTCDatetime
