from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, model_validator
from pydantic.json_schema import SkipJsonSchema
from reservation_db.models.reservation import ProvisioningState, ReservationStatus

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime, omitted_default
from reservation_be.kit.types import Duration, JsonObject, Text, Timestamp

# The platform's one bounded timestamp type (years 2000-8999, see kit/types.py): room for
# lead times and teardown graces without leaving the calendar.
BookingTime = Timestamp
Title = Annotated[Text, Field(min_length=1, max_length=200)]
Description = Annotated[Text, Field(max_length=4000)]
Quantity = Annotated[
    int,
    Field(
        ge=1,
        le=1000,
        description="Units of the resource's capacity held at every instant (at most its "
        "capacity; default 1).",
    ),
]


class ReservationCreate(InputSchema):
    resource_id: uuid.UUID
    title: Title
    description: Description = ""
    start: BookingTime = Field(description="Inclusive start, RFC 3339 with an offset.")
    end: BookingTime = Field(description="Exclusive end, RFC 3339 with an offset.")
    parameters: JsonObject = Field(default_factory=dict)
    quantity: Quantity = Field(default=1, json_schema_extra=omitted_default)
    override_opening_hours: bool = Field(
        default=False,
        description="Book outside the opening hours (site admins; recorded in the audit log). "
        "Default false.",
        json_schema_extra=omitted_default,
    )
    owner_id: Text | None = Field(
        default=None,
        max_length=255,
        description="Book on behalf of this site member (site and platform admins only).",
    )

    @model_validator(mode="after")
    def _period_is_ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class ReservationUpdate(InputSchema):
    """Only the fields sent change. Moving or extending sends ``start`` and/or ``end``."""

    title: Title | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    start: BookingTime | SkipJsonSchema[None] = None
    end: BookingTime | SkipJsonSchema[None] = None
    parameters: JsonObject | SkipJsonSchema[None] = None
    resource_id: uuid.UUID | SkipJsonSchema[None] = Field(
        default=None, description="Move to another resource."
    )
    quantity: Quantity | SkipJsonSchema[None] = None
    override_opening_hours: bool = Field(
        default=False,
        description="Move outside the opening hours (site admins; recorded in the audit log). "
        "Default false.",
        json_schema_extra=omitted_default,
    )


class ReasonBody(InputSchema):
    reason: Annotated[Text, Field(max_length=2000)] | None = None


class Provisioning(Schema):
    state: ProvisioningState
    message: str | None
    details: dict[str, Any]
    updated_at: UTCDatetime | None


class ReservationRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    resource_id: uuid.UUID
    owner_id: str
    created_by: str
    title: str
    description: str
    start: UTCDatetime
    end: UTCDatetime
    status: ReservationStatus
    status_reason: str | None
    parameters: dict[str, Any]
    provisioning: Provisioning
    version: int
    created_at: UTCDatetime
    updated_at: UTCDatetime
    series_id: uuid.UUID | None = Field(default=None, description="The recurring series, if any")
    group_id: uuid.UUID | None = Field(
        default=None, description="The group booked together (find and book), if any"
    )
    extended_by: Duration = Field(
        default=timedelta(0), description="How much later the end is than first booked."
    )
    checked_in_at: UTCDatetime | None = None
    quantity: int = Field(default=1, description="Units of the resource's capacity held.")


class EmbeddedResource(Schema):
    """What a list of reservations shows of each one's resource (``embed=resource``)."""

    id: uuid.UUID
    name: str
    location: str
    type_id: uuid.UUID
    type_name: str
    color: str


class ReservationListItem(ReservationRead):
    resource: EmbeddedResource | None = Field(
        default=None, description="The reservation's resource, with embed=resource"
    )


class ReservationEmbed(StrEnum):
    RESOURCE = "resource"


class ReservationSort(StrEnum):
    START = "start"
    START_DESC = "-start"
    CREATED = "created_at"
    CREATED_DESC = "-created_at"
