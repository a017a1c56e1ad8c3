from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import Field

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import Text

Clock = Annotated[
    str,
    Field(
        pattern=r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
        description="Local wall-clock time HH:MM in the site's time zone; 24:00 ends the day.",
        examples=["09:00"],
    ),
]
# A local calendar date of the site, years 2000-8999 like every instant (kit/types.py). Instants
# are the API's one time format; a day of a schedule is not an instant, so it is plain text.
Day = Annotated[
    str,
    Field(
        pattern=r"^([2-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        description="A local date YYYY-MM-DD in the site's time zone.",
        examples=["2026-12-25"],
    ),
]


class WeeklyHours(InputSchema):
    weekday: int = Field(ge=0, le=6, description="0 Monday ... 6 Sunday")
    opens: Clock
    closes: Clock


class ExceptionDay(InputSchema):
    """A holiday (``closed``) or a special day with its own hours (``opens``/``closes``)."""

    date: Day
    closed: bool = False
    opens: Clock | None = None
    closes: Clock | None = None
    reason: Annotated[Text, Field(max_length=200)] = ""


class OpeningHoursPut(InputSchema):
    """The schedule of a site (no ids), a resource type or one resource: replaces the one there
    was. The most specific schedule that has weekly hours decides on a day; exceptions of a
    more specific schedule win for their date."""

    resource_type_id: uuid.UUID | None = None
    resource_id: uuid.UUID | None = None
    weekly: list[WeeklyHours] = Field(default_factory=list, max_length=70)
    exceptions: list[ExceptionDay] = Field(default_factory=list, max_length=400)


class OpeningHoursRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    resource_type_id: uuid.UUID | None
    resource_id: uuid.UUID | None
    weekly: list[WeeklyHours]
    exceptions: list[ExceptionDay]
    updated_at: UTCDatetime


class OpenSpan(Schema):
    start: UTCDatetime
    end: UTCDatetime


class EffectiveOpeningHours(Schema):
    """What applies to one resource, and when it is open within the window asked for."""

    resource_id: uuid.UUID
    time_zone: str
    level: Literal["resource", "resource_type", "site"] | None = Field(
        description="Whose weekly hours apply (null: no weekly hours, open unless an exception "
        "says otherwise)."
    )
    weekly: list[WeeklyHours]
    exceptions: list[ExceptionDay]
    open: list[OpenSpan] = Field(description="Open spans within [start, end), in UTC.")
