"""Site statistics in three statements: totals per resource, per local day, and right now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit.errors import FieldError, UnprocessableEntity
from reservation_be.policy import Action
from reservation_be.reservations.db_errors import sqlstate
from reservation_be.stats.schemas import DayLoad, ResourceUsage, SiteStats

MAX_WINDOW = timedelta(days=366)
# PostgreSQL's "time zone not recognized" (its tz database may lack a name Python knows).
INVALID_PARAMETER_VALUE = "22023"

# Slots on one unit of a resource never overlap (the exclusion constraint), so their clipped
# lengths add up to the time the units were held; divided by the capacity, the time the whole
# resource was (a pooled resource half taken for an hour counts half an hour).
_PER_RESOURCE = text(
    """
    SELECT r.id, r.name,
           COALESCE(SUM(EXTRACT(EPOCH FROM upper(s.period * w.win) - lower(s.period * w.win))), 0)
             / coalesce(r.capacity, t.capacity) AS booked
    FROM resources r
    JOIN resource_types t ON t.id = r.type_id
    CROSS JOIN (SELECT tstzrange(:start, :end, '[)') AS win) w
    LEFT JOIN reservation_slots s ON s.resource_id = r.id AND s.period && w.win
    WHERE r.site_id = :site
    GROUP BY r.id, r.name, r.capacity, t.capacity
    ORDER BY booked DESC, r.name
    """
)

# Local days of the time zone: a day with a DST change is 23 or 25 hours long.
_PER_DAY = text(
    """
    WITH days AS (
        SELECT d::date AS day,
               tstzrange((d AT TIME ZONE :tz), ((d + interval '1 day') AT TIME ZONE :tz), '[)')
                 AS win
        FROM generate_series(
            date_trunc('day', CAST(:start AS timestamptz) AT TIME ZONE :tz),
            date_trunc('day', (CAST(:end AS timestamptz) - interval '1 microsecond')
                              AT TIME ZONE :tz),
            interval '1 day'
        ) AS d
    )
    SELECT days.day, lower(days.win), upper(days.win),
           COALESCE(SUM(EXTRACT(EPOCH FROM upper(s.period * days.win)
                                          - lower(s.period * days.win))
                         / resource_capacity(s.resource_id)), 0) AS booked,
           COUNT(DISTINCT s.reservation_id) AS reservations
    FROM days
    LEFT JOIN reservation_slots s ON s.period && days.win
         AND s.resource_id IN (SELECT id FROM resources WHERE site_id = :site)
    GROUP BY days.day, days.win
    ORDER BY days.day
    """
)

_NOW = text(
    """
    SELECT COUNT(DISTINCT s.reservation_id), COUNT(DISTINCT s.resource_id)
    FROM reservation_slots s
    JOIN reservations rv ON rv.id = s.reservation_id
    WHERE rv.site_id = :site AND s.period @> CAST(:now AS timestamptz)
      AND rv.period @> CAST(:now AS timestamptz)
    """
)


def _unknown_zone(tz: str) -> UnprocessableEntity:
    return UnprocessableEntity(
        f"Unknown IANA time zone {tz!r}.",
        errors=[FieldError(loc=["query", "tz"], msg="unknown time zone", type="timezone")],
    )


def _check_window(start: datetime, end: datetime, tz: str) -> ZoneInfo:
    if end <= start:
        raise UnprocessableEntity(
            "end must be after start.",
            errors=[FieldError(loc=["query", "end"], msg="must be after start", type="period")],
        )
    if end - start > MAX_WINDOW:
        raise UnprocessableEntity(
            "The window may span at most 366 days.",
            errors=[FieldError(loc=["query", "end"], msg="window too long", type="period")],
        )
    try:
        return ZoneInfo(tz)
    except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise _unknown_zone(tz) from exc


async def site_stats(
    session: AsyncSession,
    actor: Actor,
    site: str,
    *,
    start: datetime,
    end: datetime,
    tz: str = "UTC",
    now: datetime | None = None,
) -> SiteStats:
    ctx = await policy.authorize(session, actor, site, Action.AVAILABILITY_READ)
    _check_window(start, end, tz)
    now = now or datetime.now(UTC)
    window = (end - start).total_seconds()
    params = {"site": ctx.site_id, "start": start, "end": end}
    rows = (await session.execute(_PER_RESOURCE, params)).all()
    per_resource = [
        ResourceUsage(
            resource_id=row[0],
            name=row[1],
            booked_seconds=float(row[2]),
            utilisation=float(row[2]) / window,
        )
        for row in rows
    ]
    count = len(per_resource)
    try:
        per_day = (await session.execute(_PER_DAY, {**params, "tz": tz})).all()
    except DBAPIError as exc:
        if sqlstate(exc) == INVALID_PARAMETER_VALUE:
            raise _unknown_zone(tz) from exc
        raise
    days = []
    for day, day_start, day_end, booked, reservations in per_day:
        length = (day_end - day_start).total_seconds()
        days.append(
            DayLoad(
                date=day,
                start=day_start,
                end=day_end,
                booked_seconds=float(booked),
                reservations=int(reservations),
                utilisation=float(booked) / (length * count) if count else 0.0,
            )
        )
    active, busy = (await session.execute(_NOW, {"site": ctx.site_id, "now": now})).one()
    booked_total = sum(r.booked_seconds for r in per_resource)
    return SiteStats(
        start=start,
        end=end,
        timezone=tz,
        resources=count,
        booked_seconds=booked_total,
        utilisation=booked_total / (window * count) if count else 0.0,
        active_now=int(active),
        busy_now=int(busy),
        per_resource=per_resource,
        days=days,
    )
