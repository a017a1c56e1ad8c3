from __future__ import annotations

import uuid
from typing import Annotated, Any, Self

from pydantic import Field, StrictBool, StrictFloat, StrictInt, StrictStr, model_validator

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime, omitted_default
from reservation_be.kit.types import NO_NUL_PATTERN, Duration, JsonObject, Text
from reservation_be.reservations.schemas import (
    BookingTime,
    Description,
    Quantity,
    ReservationRead,
    Title,
)

MAX_COUNT = 1000
AttributeName = Annotated[Text, Field(min_length=1, max_length=100)]
Number = Annotated[float, Field(allow_inf_nan=False)]


class NumberRange(InputSchema):
    """A numeric attribute within bounds (any of them); a resource whose attribute is not a
    number does not match."""

    gte: Number | None = None
    gt: Number | None = None
    lte: Number | None = None
    lt: Number | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Self:
        if all(getattr(self, name) is None for name in ("gte", "gt", "lte", "lt")):
            raise ValueError("give at least one of gte, gt, lte, lt")
        return self


AttributeFilter = Annotated[
    StrictBool
    | StrictInt
    | Annotated[StrictFloat, Field(allow_inf_nan=False)]
    | Annotated[StrictStr, Field(max_length=1000, pattern=NO_NUL_PATTERN)]
    | NumberRange,
    Field(description="A value the attribute equals, or a numeric range"),
]


class FindRequest(InputSchema):
    """N resources of a type, free together over one period: a fixed one (``start``, ``end``)
    or the earliest of ``duration`` inside a window (``earliest_start``, ``latest_end``)."""

    site: Annotated[Text, Field(min_length=1, max_length=100, description="Site id or slug")]
    type_id: uuid.UUID
    count: int = Field(ge=1, le=MAX_COUNT, description="How many resources, all or none.")
    quantity: Quantity = Field(
        default=1,
        description="Units of each resource (a pool of capacity > 1) free together over the "
        "whole period: a pool with fewer units free is not a candidate, one whose capacity is "
        "smaller never is (more than the largest matching capacity: 422).",
        json_schema_extra=omitted_default,
    )
    attributes: dict[AttributeName, AttributeFilter] = Field(
        default_factory=dict,
        max_length=20,
        examples=[{"gpu": "a100", "memory_gb": {"gte": 64}}],
    )
    start: BookingTime | None = Field(default=None, description="Fixed period: its start.")
    end: BookingTime | None = Field(default=None, description="Fixed period: its end.")
    duration: Duration | None = Field(default=None, description="Window search: the length.")
    earliest_start: BookingTime | None = Field(
        default=None, description="Window search: not before (default now)."
    )
    latest_end: BookingTime | None = Field(
        default=None, description="Window search: not after (default the booking horizon)."
    )
    alternatives: int = Field(
        default=0, ge=0, le=100, description="Also list up to this many more free resources."
    )
    book: bool = Field(default=False, description="Book the proposal as one group (201).")
    title: Title | None = Field(default=None, description="Required with book.")
    description: Description = ""
    parameters: JsonObject = Field(default_factory=dict)
    owner_id: Text | None = Field(default=None, max_length=255)

    @model_validator(mode="after")
    def _one_way_to_say_when(self) -> Self:
        fixed = self.start is not None or self.end is not None
        window = self.earliest_start is not None or self.latest_end is not None
        if fixed and window:
            raise ValueError("give start and end, or a window (earliest_start, latest_end)")
        if fixed:
            if self.start is None or self.end is None:
                raise ValueError("a fixed period needs both start and end")
            if self.end <= self.start:
                raise ValueError("end must be after start")
            if self.duration is not None and self.duration != self.end - self.start:
                raise ValueError("duration differs from end - start; give one of them")
        elif self.duration is None:
            raise ValueError("give start and end, or a duration (with an optional window)")
        if self.book and self.title is None:
            raise ValueError("title is required to book")
        return self


class Candidate(Schema):
    id: uuid.UUID
    name: str
    attributes: dict[str, Any]


class GroupRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    owner_id: str
    created_by: str
    title: str
    version: int
    created_at: UTCDatetime
    updated_at: UTCDatetime
    reservations: list[ReservationRead]


class FindResult(Schema):
    found: bool
    start: UTCDatetime | None = None
    end: UTCDatetime | None = None
    resources: list[Candidate] = Field(default_factory=list, description="The N proposed.")
    alternatives: list[Candidate] = Field(
        default_factory=list, description="More resources free over the same period."
    )
    group: GroupRead | None = Field(default=None, description="With book: what was booked.")


class GroupExtend(InputSchema):
    end: BookingTime = Field(description="The new end of every reservation of the group.")


class GroupCancel(InputSchema):
    reason: Annotated[Text, Field(max_length=2000)] | None = None
