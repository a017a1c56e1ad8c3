from __future__ import annotations

import datetime as dt
import uuid

from pydantic import Field

from reservation_be.kit.schemas import Schema, UTCDatetime


class ResourceUsage(Schema):
    resource_id: uuid.UUID
    name: str
    booked_seconds: float = Field(description="Seconds held by bookings within the window.")
    utilisation: float = Field(description="booked_seconds / window length, 0..1.")


class DayLoad(Schema):
    date: dt.date = Field(description="The local day (in the requested time zone).")
    start: UTCDatetime
    end: UTCDatetime
    booked_seconds: float = Field(description="Resource-seconds held that day, all resources.")
    reservations: int = Field(description="Bookings holding a resource that day.")
    utilisation: float = Field(description="booked_seconds / (resources x day length), 0..1.")


class SiteStats(Schema):
    """How much of a site's capacity bookings hold over a window, overall, per resource and
    per local day. A booking holds its resource and everything inside it, widened by the type's
    lead time and teardown grace (the reservation slots); pending bookings count, cancelled and
    rejected ones do not."""

    start: UTCDatetime
    end: UTCDatetime
    timezone: str
    resources: int = Field(description="Resources of the site (the capacity).")
    booked_seconds: float
    utilisation: float = Field(description="booked_seconds / (resources x window), 0..1.")
    active_now: int = Field(description="Bookings of the site running now.")
    busy_now: int = Field(description="Resources held by a booking now.")
    per_resource: list[ResourceUsage] = Field(description="Most used first.")
    days: list[DayLoad]
