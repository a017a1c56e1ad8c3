from __future__ import annotations

import uuid
from functools import cache
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, WithJsonSchema

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import Text


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _valid_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError(f"unknown IANA time zone {value!r}")
    return value


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
    timezone: (
        Annotated[
            str,
            Field(max_length=64, description="An IANA time zone (Europe/Berlin)"),
            AfterValidator(_valid_timezone),
            # The schema lists exactly the zones this server knows, as the validation does.
            WithJsonSchema({"type": "string", "enum": sorted(_timezones())}, mode="validation"),
        ]
        | None
    ) = None


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
