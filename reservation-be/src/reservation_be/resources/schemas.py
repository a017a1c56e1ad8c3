from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema
from reservation_db.models.resource import ResourceStatus

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import JsonObject, Text

Name = Annotated[Text, Field(min_length=1, max_length=200)]
Description = Annotated[Text, Field(max_length=4000)]
Location = Annotated[Text, Field(max_length=200)]
Capacity = Annotated[
    int,
    Field(ge=1, le=1000, description="Units lent at once (null: the type's capacity)."),
]


class ResourceCreate(InputSchema):
    type_id: uuid.UUID
    parent_id: uuid.UUID | None = None
    name: Name
    description: Description = ""
    location: Location = ""
    attributes: JsonObject = Field(default_factory=dict)
    status: ResourceStatus = ResourceStatus.ACTIVE
    capacity: Capacity | None = None


class ResourceUpdate(InputSchema):
    """Only the fields sent change; ``"parent_id": null`` makes the resource a root."""

    type_id: uuid.UUID | SkipJsonSchema[None] = None
    parent_id: uuid.UUID | None = None
    name: Name | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    location: Location | SkipJsonSchema[None] = None
    attributes: JsonObject | SkipJsonSchema[None] = None
    status: ResourceStatus | SkipJsonSchema[None] = None
    capacity: Capacity | None = Field(default=None, description="null: the type's capacity")


class ResourceTypeBrief(Schema):
    id: uuid.UUID
    name: str
    color: str


class ResourceRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    type_id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    description: str
    location: str
    attributes: dict[str, Any]
    status: ResourceStatus
    capacity: int | None = Field(default=None, description="Own capacity; null: the type's")
    created_at: UTCDatetime
    updated_at: UTCDatetime


class ResourceTreeNode(ResourceRead):
    depth: int = Field(description="0 for the subtree's root, 1 for its children, ...")


class ResourceSort(StrEnum):
    NAME = "name"
    NAME_DESC = "-name"
    CREATED = "created_at"
    CREATED_DESC = "-created_at"
    STATUS = "status"
    LOCATION = "location"


class BusyPeriod(Schema):
    """A span during which the resource is held, by its own booking or an ancestor's, or a
    resource below it is. On a pool (``capacity`` > 1) the free units at an instant are the
    capacity less the ``units`` of the spans holding it then (``GET .../free-units`` gives
    them span by span)."""

    resource_id: uuid.UUID
    start: UTCDatetime
    end: UTCDatetime
    reservation_id: uuid.UUID | None = Field(
        default=None, description="Present when the caller may see the reservation."
    )
    units: int = Field(
        default=1,
        description="Units of the resource this hold takes over the span: the capacity when "
        "it holds the whole resource (a booking above or below it, a maintenance window).",
    )
    capacity: int = Field(default=1, description="How many units the resource lends at once.")


class FreeUnitsSpan(Schema):
    start: UTCDatetime
    end: UTCDatetime
    free: int = Field(description="Units a booking of the resource could still take then.")


class FreeUnits(Schema):
    """How many of a resource's units are free over a window (``capacity`` 1: 1 or 0)."""

    resource_id: uuid.UUID
    capacity: int
    spans: list[FreeUnitsSpan]


class ImportLineError(Schema):
    line: int
    field: str | None = None
    message: str


class ImportResult(Schema):
    created: int
    items: list[ResourceRead]
