from __future__ import annotations

import uuid
from datetime import time
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import Field, model_validator
from pydantic.json_schema import SkipJsonSchema
from reservation_db.models.reservation_series import ConflictMode, SeriesStatus

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import Duration, JsonObject, Text
from reservation_be.reservations.schemas import (
    BookingTime,
    Description,
    ReservationRead,
    Title,
)

Rule = Annotated[
    Text,
    Field(
        min_length=1,
        max_length=500,
        description=(
            "RRULE subset (RFC 5545): FREQ=DAILY|WEEKLY|MONTHLY, INTERVAL, BYDAY, BYMONTHDAY, "
            "and COUNT or UNTIL; expanded in the site's time zone."
        ),
        examples=["FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"],
    ),
]


class SeriesCreate(InputSchema):
    resource_id: uuid.UUID
    title: Title
    description: Description = ""
    start: BookingTime = Field(description="Start of the first occurrence.")
    end: BookingTime = Field(description="End of the first occurrence.")
    rrule: Rule
    conflict_mode: ConflictMode = Field(
        default=ConflictMode.ALL_OR_NOTHING,
        description="all-or-nothing: any conflict refuses the series (409 listing them all); "
        "skip-conflicts: book the free occurrences and list the skipped ones.",
    )
    parameters: JsonObject = Field(default_factory=dict)
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


class SeriesScope(StrEnum):
    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"


class _Scoped(InputSchema):
    scope: SeriesScope = Field(
        default=SeriesScope.ALL,
        description="this occurrence, this and the following ones, or every occurrence "
        "still to come (past ones never change).",
    )
    occurrence_id: uuid.UUID | None = Field(
        default=None, description="The occurrence (reservation id) for scope this/following."
    )

    @model_validator(mode="after")
    def _occurrence_for_scope(self) -> Self:
        if self.scope is not SeriesScope.ALL and self.occurrence_id is None:
            raise ValueError(f"occurrence_id is required with scope {self.scope.value}")
        return self


class SeriesUpdate(_Scoped):
    """Only the fields sent change, on every occurrence in scope."""

    title: Title | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    parameters: JsonObject | SkipJsonSchema[None] = None
    start_time: time | SkipJsonSchema[None] = Field(
        default=None, description="New local start time (site's time zone), e.g. 10:00:00."
    )
    duration: Duration | SkipJsonSchema[None] = Field(
        default=None, description="New wall-clock length."
    )

    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        for name in ("title", "description", "parameters", "start_time", "duration"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; omit it to keep it")
        if self.start_time is not None and self.start_time.tzinfo is not None:
            raise ValueError("start_time is a local wall time without an offset")
        return self


class SeriesCancel(_Scoped):
    reason: Annotated[Text, Field(max_length=2000)] | None = None


class SkippedOccurrenceRead(Schema):
    start: UTCDatetime
    end: UTCDatetime
    reason: str = Field(description="Problem type slug that refused it (booking-conflict, ...)")
    detail: str | None = None
    conflicting_reservation_id: uuid.UUID | None = None


class SeriesRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    resource_id: uuid.UUID
    owner_id: str
    created_by: str
    title: str
    description: str
    rrule: str
    time_zone: str
    conflict_mode: ConflictMode
    status: SeriesStatus
    parameters: dict[str, Any]
    duration: Duration
    version: int
    created_at: UTCDatetime
    updated_at: UTCDatetime
    occurrences: list[ReservationRead] = Field(default_factory=list)
    skipped: list[SkippedOccurrenceRead] = Field(
        default_factory=list, description="On create with skip-conflicts: what was not booked."
    )


class PreviewOccurrence(Schema):
    start: UTCDatetime
    end: UTCDatetime
    free: bool
    conflicting_reservation_id: uuid.UUID | None = Field(
        default=None, description="When you may read the site's reservations."
    )


class SeriesPreview(Schema):
    time_zone: str
    occurrences: list[PreviewOccurrence]
