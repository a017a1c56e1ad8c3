"""Opening hours: site admins set them per site, resource type or resource; every booking path
checks them (``rules.check``) unless a site admin overrides them explicitly (audited)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reservation_db.models import OpeningHours, Resource, ResourceType
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit import audit
from reservation_be.kit.errors import FieldError, Forbidden, NotFound, UnprocessableEntity
from reservation_be.opening_hours import repository, rules
from reservation_be.opening_hours.schemas import (
    EffectiveOpeningHours,
    ExceptionDay,
    OpeningHoursPut,
    OpeningHoursRead,
    OpenSpan,
    WeeklyHours,
)
from reservation_be.policy import Action, SiteContext

ENTITY = "opening_hours"
MAX_WINDOW_DAYS = 366


def to_read(row: OpeningHours) -> OpeningHoursRead:
    return OpeningHoursRead(
        id=row.id,
        site_id=row.site_id,
        resource_type_id=row.resource_type_id,
        resource_id=row.resource_id,
        weekly=[WeeklyHours(**w) for w in row.weekly],
        exceptions=[ExceptionDay(**e) for e in row.exceptions],
        updated_at=row.updated_at,
    )


def _bad(loc: list[str | int], msg: str, type_: str = "opening_hours") -> UnprocessableEntity:
    return UnprocessableEntity(
        f"{'.'.join(str(p) for p in loc[1:])}: {msg}.",
        errors=[FieldError(loc=loc, msg=msg, type=type_)],
    )


def _validate(body: OpeningHoursPut) -> None:
    """Hours that end after they start, do not overlap on one weekday, one exception a date."""
    by_day: dict[int, list[tuple[int, int, int]]] = {}
    for i, w in enumerate(body.weekly):
        opens, closes = rules.minutes(w.opens), rules.minutes(w.closes)
        if closes <= opens:
            raise _bad(["body", "weekly", i, "closes"], "ends before it starts")
        for lo, hi, j in by_day.get(w.weekday, []):
            if opens < hi and lo < closes:
                raise _bad(["body", "weekly", i], f"overlaps weekly[{j}]")
        by_day.setdefault(w.weekday, []).append((opens, closes, i))
    seen: dict[Any, int] = {}
    for i, e in enumerate(body.exceptions):
        try:
            date.fromisoformat(e.date)
        except ValueError:
            raise _bad(["body", "exceptions", i, "date"], "no such date") from None
        if e.date in seen:
            raise _bad(
                ["body", "exceptions", i, "date"], f"same date as exceptions[{seen[e.date]}]"
            )
        seen[e.date] = i
        if e.closed:
            if e.opens is not None or e.closes is not None:
                raise _bad(["body", "exceptions", i], "a closed day has no hours")
            continue
        if e.opens is None or e.closes is None:
            raise _bad(["body", "exceptions", i], "give opens and closes, or closed: true")
        if rules.minutes(e.closes) <= rules.minutes(e.opens):
            raise _bad(["body", "exceptions", i, "closes"], "ends before it starts")


async def list_site(
    session: AsyncSession, actor: Actor, site: uuid.UUID | str
) -> list[OpeningHoursRead]:
    ctx = await policy.authorize(session, actor, site, Action.AVAILABILITY_READ)
    return [to_read(r) for r in await repository.list_site(session, ctx.site_id)]


async def put(
    session: AsyncSession, actor: Actor, site: uuid.UUID | str, body: OpeningHoursPut
) -> OpeningHoursRead:
    ctx = await policy.authorize(session, actor, site, Action.OPENING_HOURS_WRITE)
    if body.resource_type_id is not None and body.resource_id is not None:
        raise _bad(["body", "resource_id"], "a schedule is of a site, a type or a resource")
    if body.resource_type_id is not None:
        rtype = await session.get(ResourceType, body.resource_type_id)
        if rtype is None or rtype.site_id != ctx.site_id:
            raise _bad(["body", "resource_type_id"], "no such resource type here", "not_found")
    if body.resource_id is not None:
        resource = await session.get(Resource, body.resource_id)
        if resource is None or resource.site_id != ctx.site_id:
            raise _bad(["body", "resource_id"], "no such resource here", "not_found")
    _validate(body)
    weekly = [w.model_dump(mode="json") for w in body.weekly]
    exceptions = [e.model_dump(mode="json") for e in body.exceptions]
    row = await repository.get_scope(session, ctx.site_id, body.resource_type_id, body.resource_id)
    before = to_read(row) if row is not None else None
    if row is None:
        row = OpeningHours(
            site_id=ctx.site_id,
            resource_type_id=body.resource_type_id,
            resource_id=body.resource_id,
            weekly=weekly,
            exceptions=exceptions,
            updated_by=actor.user_id,
        )
        session.add(row)
    else:
        row.weekly, row.exceptions, row.updated_by = weekly, exceptions, actor.user_id
    await session.flush()
    await session.refresh(row)
    after = to_read(row)
    await audit.record(
        session, actor, ctx.site_id, ENTITY, row.id, "set", before=before, after=after
    )
    return after


async def delete(session: AsyncSession, actor: Actor, opening_hours_id: uuid.UUID) -> None:
    row = await session.get(OpeningHours, opening_hours_id)
    not_found = NotFound(f"No opening hours {opening_hours_id}.")
    if row is None:
        raise not_found
    ctx = await policy.authorize_object(
        session, actor, row.site_id, Action.OPENING_HOURS_WRITE, not_found=not_found
    )
    before = to_read(row)
    await session.delete(row)
    await session.flush()
    await audit.record(
        session, actor, ctx.site_id, ENTITY, opening_hours_id, "deleted", before=before
    )


async def effective_for(
    session: AsyncSession, resource: Resource
) -> tuple[rules.Effective, dict[str, uuid.UUID]]:
    rows = await repository.for_resource(
        session, site_id=resource.site_id, type_id=resource.type_id, resource_id=resource.id
    )
    dicts = [_as_dict(r) for r in rows]
    return rules.effective(dicts), {rules.level_of(d): d["id"] for d in dicts}


def _as_dict(row: OpeningHours) -> dict[str, Any]:
    return {
        "id": row.id,
        "resource_type_id": row.resource_type_id,
        "resource_id": row.resource_id,
        "weekly": row.weekly,
        "exceptions": row.exceptions,
    }


async def for_resource(
    session: AsyncSession,
    actor: Actor,
    resource_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
) -> EffectiveOpeningHours:
    resource = await session.get(Resource, resource_id)
    not_found = NotFound(f"No resource {resource_id}.")
    if resource is None:
        raise not_found
    ctx = await policy.authorize_object(
        session, actor, resource.site_id, Action.AVAILABILITY_READ, not_found=not_found
    )
    if end <= start:
        raise _bad(["query", "end"], "must be after start", "period")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise _bad(["query", "end"], "window too long (at most 366 days)", "period")
    time_zone = ctx.site.time_zone or "UTC"
    schedule, _ = await effective_for(session, resource)
    spans = (
        rules.open_spans(schedule, ZoneInfo(time_zone), start, end)
        if schedule.restricts
        else [(start, end)]
    )
    return EffectiveOpeningHours(
        resource_id=resource.id,
        time_zone=time_zone,
        level=schedule.level,
        weekly=[WeeklyHours(**w) for w in schedule.weekly],
        exceptions=[ExceptionDay(**e) for _, e in sorted(schedule.exceptions.values(),
                                                          key=lambda x: x[1]["date"])],
        open=[OpenSpan(start=max(lo, start), end=min(hi, end)) for lo, hi in spans],
    )  # fmt: skip


@dataclass(frozen=True)
class StartsInside:
    """Where a period of a given length may start inside the opening hours, for the resources
    of one type: ``default`` for those without a schedule of their own (None: no hours
    anywhere, any start), ``own`` for those with one. Each a list of closed ``[lo, hi]``."""

    default: list[tuple[datetime, datetime]] | None
    own: dict[uuid.UUID, list[tuple[datetime, datetime]]]

    @property
    def restricts(self) -> bool:
        return self.default is not None or bool(self.own)


async def starts_for_type(
    session: AsyncSession,
    ctx: SiteContext,
    type_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
    duration: timedelta,
) -> StartsInside:
    """The starts in [start, end) a booking of ``duration`` of a resource of the type may
    have under the opening hours (the rule of ``check_booking``, without an override)."""
    rows = [_as_dict(r) for r in await repository.for_type(session, site_id=ctx.site_id,
                                                             type_id=type_id)]  # fmt: skip
    zone = ZoneInfo(ctx.site.time_zone or "UTC")
    shared = [r for r in rows if r["resource_id"] is None]
    default = rules.effective(shared)

    def starts(schedule: rules.Effective) -> list[tuple[datetime, datetime]] | None:
        if not schedule.restricts:
            return None
        return rules.starts_inside(schedule, zone, start, end, duration)

    own: dict[uuid.UUID, list[tuple[datetime, datetime]]] = {}
    for row in rows:
        if row["resource_id"] is not None:
            found = starts(rules.effective([*shared, row]))
            own[row["resource_id"]] = [(start, end)] if found is None else found
    return StartsInside(starts(default), own)


async def check_booking(
    session: AsyncSession,
    actor: Actor,
    ctx: SiteContext,
    schedule: rules.Effective,
    ids: dict[str, uuid.UUID],
    *,
    reservation_id: uuid.UUID,
    start: datetime,
    end: datetime,
    override: bool,
) -> None:
    """Refuse a period outside the hours; a site admin's explicit override passes, audited."""
    if override and not policy.allows(ctx, Action.RESERVATION_DECIDE):
        raise Forbidden("Only site admins may override the opening hours.")
    time_zone = ctx.site.time_zone or "UTC"
    try:
        rules.check(schedule, time_zone=time_zone, start=start, end=end, schedule_ids=ids)
    except rules.OutsideOpeningHours as refused:
        if not override:
            raise
        await audit.record(
            session, actor, ctx.site_id, "reservation", reservation_id,
            "opening_hours_overridden", after={"detail": refused.detail, **refused.extra},
        )  # fmt: skip
