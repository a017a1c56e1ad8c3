from __future__ import annotations

from typing import Annotated

from pydantic import Field
from reservation_db.models import CoUserRole

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import Text


class CoUserAdd(InputSchema):
    user: Annotated[
        Text,
        Field(
            min_length=1,
            max_length=320,
            description="Username or e-mail address of a member of the reservation's site",
        ),
    ]
    role: CoUserRole = Field(
        default=CoUserRole.ATTENDEE,
        description="attendee, or co-manager (may also extend or cancel the reservation)",
    )


class CoUserRead(Schema):
    user_id: str
    username: str
    email: str | None
    role: CoUserRole
    added_by: str
    created_at: UTCDatetime
