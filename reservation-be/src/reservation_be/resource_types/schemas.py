from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, StrictBool, model_validator
from pydantic.json_schema import SkipJsonSchema
from reservation_db.models.resource_type import DEFAULT_PARAMETERS_SCHEMA

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime, omitted_default
from reservation_be.kit.types import (
    Duration,
    JsonObject,
    OptionalDuration,
    PositiveOptionalDuration,
    Text,
)


class FailurePolicy(StrEnum):
    """What a provisioning failure does to the booking's slots."""

    RELEASE = "release"  # freed at once
    KEEP = "keep"  # held until the end, for investigation


COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


# Durations accept seconds or ISO 8601 ("PT15M") and are returned as ISO 8601; the schema
# carries their bounds (kit/types.py).
NonNegativeDuration = Duration
PositiveDuration = PositiveOptionalDuration
Name = Annotated[Text, Field(min_length=1, max_length=100)]
Color = Annotated[str, Field(pattern=COLOR_PATTERN)]
Description = Annotated[Text, Field(max_length=4000)]

MaxOccurrences = Annotated[
    int | None,
    Field(
        ge=1,
        le=10_000,
        description="Most occurrences of one recurring series (null: the platform default).",
    ),
]


Capacity = Annotated[
    int,
    Field(ge=1, le=1000, description="Units lent at once: overlapping bookings may hold up to "
          "this many in total (a room's seats, a GPU pool). Default 1."),
]  # fmt: skip


class ResourceTypeCreate(InputSchema):
    name: Name
    color: Color = "#4f46e5"
    description: Description = ""
    parameters: JsonObject = Field(
        default_factory=lambda: dict(DEFAULT_PARAMETERS_SCHEMA),
        description="JSON Schema (draft 2020-12) of the custom parameters a booking carries.",
    )
    lead_time: NonNegativeDuration = timedelta(0)
    teardown_grace: NonNegativeDuration = timedelta(0)
    max_duration: PositiveDuration = None
    booking_horizon: PositiveDuration = None
    minimum_notice: NonNegativeDuration = timedelta(0)
    requires_approval: StrictBool = False
    max_occurrences: MaxOccurrences = None
    on_provisioning_failure: FailurePolicy = FailurePolicy.RELEASE
    extension_window: PositiveDuration = Field(
        default=None,
        description="An end moves later only once it is at most this far away (null: any time).",
    )
    max_extension: PositiveDuration = Field(
        default=None, description="At most this much later than first booked, in total."
    )
    checkin_within: PositiveDuration = Field(
        default=None,
        description="A booking not checked in this long after its start is released.",
    )
    capacity: Capacity = Field(default=1, json_schema_extra=omitted_default)


class ResourceTypeUpdate(InputSchema):
    """Only the fields sent change; ``null`` clears an optional limit."""

    name: Name | SkipJsonSchema[None] = None
    color: Color | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    parameters: JsonObject | SkipJsonSchema[None] = None
    lead_time: NonNegativeDuration | SkipJsonSchema[None] = None
    teardown_grace: NonNegativeDuration | SkipJsonSchema[None] = None
    max_duration: PositiveDuration = None
    booking_horizon: PositiveDuration = None
    minimum_notice: NonNegativeDuration | SkipJsonSchema[None] = None
    requires_approval: StrictBool | SkipJsonSchema[None] = None
    max_occurrences: MaxOccurrences = None
    on_provisioning_failure: FailurePolicy | SkipJsonSchema[None] = None
    extension_window: PositiveDuration = None
    max_extension: PositiveDuration = None
    checkin_within: PositiveDuration = None
    capacity: Capacity | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _required_fields_not_null(self) -> Self:
        nullable = {
            "max_duration",
            "booking_horizon",
            "max_occurrences",
            "extension_window",
            "max_extension",
            "checkin_within",
        }
        for name in self.model_fields_set - nullable:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ResourceTypeRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    name: str
    color: str
    description: str
    parameters: dict[str, Any]
    lead_time: Duration
    teardown_grace: Duration
    max_duration: OptionalDuration
    booking_horizon: OptionalDuration
    minimum_notice: Duration
    requires_approval: bool
    max_occurrences: int | None = None
    on_provisioning_failure: FailurePolicy = FailurePolicy.RELEASE
    extension_window: OptionalDuration = None
    max_extension: OptionalDuration = None
    checkin_within: OptionalDuration = None
    capacity: int = 1
    created_at: UTCDatetime
    updated_at: UTCDatetime
