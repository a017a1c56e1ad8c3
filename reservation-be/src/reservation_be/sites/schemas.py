from __future__ import annotations

import uuid
from typing import Annotated, Self

from pydantic import Field, model_validator
from pydantic.json_schema import SkipJsonSchema
from reservation_db.models import SiteRole, SiteVisibility

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import Text, TimeZoneName

SLUG_PATTERN = r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$"

Slug = Annotated[str, Field(min_length=1, max_length=63, pattern=SLUG_PATTERN)]
Name = Annotated[Text, Field(min_length=1, max_length=255)]
Description = Annotated[Text, Field(max_length=10_000)]


TimeZone = Annotated[
    TimeZoneName,
    Field(
        description="IANA time zone; recurring series are expanded in it.",
        examples=["Europe/Rome"],
    ),
]


class SiteCreate(InputSchema):
    slug: Slug
    name: Name
    description: Description = ""
    visibility: SiteVisibility = SiteVisibility.PUBLIC
    time_zone: TimeZone = "UTC"


class SiteUpdate(InputSchema):
    """Partial update: absent fields stay as they are; ``null`` is not a value for any."""

    slug: Slug | SkipJsonSchema[None] = None
    name: Name | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    visibility: SiteVisibility | SkipJsonSchema[None] = None
    time_zone: TimeZone | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nulls = [f for f in self.model_fields_set if getattr(self, f) is None]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null; omit it to keep it")
        return self


class SiteOut(Schema):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    visibility: SiteVisibility
    time_zone: str = "UTC"
    version: int
    created_at: UTCDatetime
    updated_at: UTCDatetime
    my_role: SiteRole | None = Field(
        default=None, description="The caller's role on this site, if a member"
    )
