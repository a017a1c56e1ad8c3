from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import Text, TimeZoneName


class UserOut(Schema):
    id: str
    username: str
    email: str | None
    first_name: str | None
    last_name: str | None
    display_name: str | None
    timezone: str | None
    is_service_account: bool
    created_at: UTCDatetime


class MeOut(UserOut):
    is_platform_admin: bool


class UserSummary(Schema):
    id: str
    username: str
    email: str | None
    display_name: str | None


class ProfileUpdate(InputSchema):
    display_name: Annotated[Text, Field(min_length=1, max_length=255)] | None = None
    timezone: TimeZoneName | None = None


class SshKeyCreate(InputSchema):
    name: Annotated[Text, Field(min_length=1, max_length=255)] | None = None
    public_key: Annotated[Text, Field(min_length=1, max_length=16_384)]


class SshKeyUpdate(InputSchema):
    name: Annotated[Text, Field(min_length=1, max_length=255)]


class SshKeyOut(Schema):
    id: uuid.UUID
    name: str
    key_type: str
    public_key: str
    comment: str | None
    fingerprint: str
    bits: int | None
    created_at: UTCDatetime
