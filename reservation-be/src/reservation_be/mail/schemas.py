from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field, StrictBool
from reservation_db.models import MailStatus

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.mail.kinds import MailKind

Locale = Literal["en", "it"]
Minutes = Annotated[int, Field(ge=1, le=10080, description="Minutes, 1 to 10080 (7 days)")]


class CalendarFeedState(Schema):
    active: bool
    created_at: UTCDatetime | None


class PreferencesOut(Schema):
    locale: Locale | None = Field(description="Language of the mails; null: English")
    kinds: dict[MailKind, bool] = Field(description="Every kind of mail and whether it is sent")
    reminder_start_minutes: int
    reminder_end_minutes: int
    calendar_feed: CalendarFeedState


class PreferencesUpdate(InputSchema):
    locale: Locale | None = None
    # Strict: 0, 1 or "true" are not booleans (the schema says boolean, so must the validation).
    kinds: dict[MailKind, StrictBool] | None = Field(
        default=None, description="Only the kinds to change; the others keep their setting"
    )
    reminder_start_minutes: Minutes | None = None
    reminder_end_minutes: Minutes | None = None


class MailOut(Schema):
    id: uuid.UUID
    user_id: str
    kind: str
    to_address: str
    status: MailStatus
    attempts: int
    next_attempt_at: UTCDatetime
    last_error: str | None
    created_at: UTCDatetime
    sent_at: UTCDatetime | None


class Unsubscribed(Schema):
    kind: MailKind
    enabled: bool
