"""Recurring series: create (all-or-nothing or skip-conflicts), preview, change, cancel.

Every occurrence is an ordinary reservation booked by ``reservations.booking.create`` (one
savepoint each) and changed or cancelled by ``reservations.service``: the same policy, rules,
exclusion constraint, events and notifications as a single booking. Nothing here looks for a
free period before inserting one; only the preview reads the calendar, and it decides nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from reservation_common.events import (
    EventType,
    OccurrenceRef,
    Period,
    SeriesData,
    SeriesEventData,
    SkippedOccurrence,
    make_event,
)
from reservation_db.models import Site
from reservation_db.models.reservation import Reservation, ReservationStatus
from reservation_db.models.reservation_series import (
    ConflictMode,
    ReservationSeries,
    SeriesStatus,
)
from reservation_db.models.resource_type import ResourceType
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit import audit, outbox
from reservation_be.kit.errors import (
    Conflict,
    FieldError,
    NotFound,
    UnprocessableEntity,
)
from reservation_be.kit.etag import check_if_match
from reservation_be.kit.request_context import current_request_id
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations import booking, rules
from reservation_be.reservations import repository as reservations_repository
from reservation_be.reservations import service as reservations
from reservation_be.reservations.schemas import ReservationCreate, ReservationUpdate
from reservation_be.resources import repository as resources_repository
from reservation_be.resources.service import resource_data, site_ref
from reservation_be.series import recurrence, repository
from reservation_be.series.schemas import (
    PreviewOccurrence,
    SeriesCancel,
    SeriesCreate,
    SeriesPreview,
    SeriesRead,
    SeriesScope,
    SeriesUpdate,
    SkippedOccurrenceRead,
)

ENTITY = "reservation_series"
S = ReservationStatus
# Occurrences a change or a cancellation of the series reaches: the ones still to come.
CHANGEABLE = (S.PENDING.value, S.CONFIRMED.value)
CANCELLABLE = (S.PENDING.value, S.CONFIRMED.value, S.ACTIVE.value)


class SeriesNotFound(NotFound):
    slug, title = "series-not-found", "Series not found"


class SeriesConflict(Conflict):
    slug, title = "series-conflict", "Occurrences of the series are already booked"


@dataclass
class Created:
    series: ReservationSeries
    occurrences: list[Reservation]
    skipped: list[SkippedOccurrenceRead]


def to_read(
    series: ReservationSeries,
    occurrences: list[Reservation],
    skipped: list[SkippedOccurrenceRead] | None = None,
) -> SeriesRead:
    return SeriesRead(
        id=series.id,
        site_id=series.site_id,
        resource_id=series.resource_id,
        owner_id=series.owner_id,
        created_by=series.created_by,
        title=series.title,
        description=series.description,
        rrule=series.rrule,
        time_zone=series.time_zone,
        conflict_mode=ConflictMode(series.conflict_mode),
        status=SeriesStatus(series.status),
        parameters=series.parameters,
        duration=series.duration,
        version=series.version,
        created_at=series.created_at,
        updated_at=series.updated_at,
        occurrences=[reservations.to_read(r) for r in occurrences],
        skipped=skipped or [],
    )


def _unknown_resource(resource_id: uuid.UUID) -> UnprocessableEntity:
    return UnprocessableEntity(
        f"No resource {resource_id} that you can book.",
        errors=[FieldError(loc=["body", "resource_id"], msg="unknown resource", type="not_found")],
    )


@dataclass
class _Plan:
    ctx: SiteContext
    site: Site
    rtype: ResourceType
    tz: ZoneInfo
    rule: recurrence.Recurrence
    periods: list[tuple[datetime, datetime]]


async def _plan(
    session: AsyncSession, actor: Actor, body: SeriesCreate, limits: rules.PlatformLimits
) -> _Plan:
    """Who may book, the expanded occurrences, and the type's rules on every one of them."""
    policy.require_user(actor)
    resource = await resources_repository.get(session, body.resource_id)
    if resource is None:
        raise _unknown_resource(body.resource_id)
    owner_id = body.owner_id or actor.user_id
    on_behalf = owner_id != actor.user_id
    ctx = await policy.authorize_object(
        session,
        actor,
        resource.site_id,
        Action.RESERVATION_CREATE_ON_BEHALF if on_behalf else Action.RESERVATION_CREATE,
        not_found=_unknown_resource(body.resource_id),
    )
    rtype = await session.get(ResourceType, resource.type_id)
    assert rtype is not None
    tz = ZoneInfo(ctx.site.time_zone)
    rule = recurrence.parse(body.rrule)
    cap = rtype.max_occurrences or limits.max_occurrences
    periods = recurrence.expand(rule, first_start=body.start, first_end=body.end, tz=tz, cap=cap)
    now = datetime.now(UTC)
    horizon = rtype.booking_horizon or limits.booking_horizon
    if periods[-1][1] > now + horizon:
        part = "COUNT" if rule.count is not None else "UNTIL"
        raise recurrence.SeriesTooLong(
            f"rrule {part}: the last occurrence ends {periods[-1][1]:%Y-%m-%d}, beyond the "
            f"type's booking horizon ({horizon.days} days from now).",
            errors=[
                FieldError(
                    loc=["body", "rrule"],
                    msg=f"{part}: beyond the booking horizon",
                    type="booking_horizon",
                )
            ],
            extra={"part": part},
        )
    # The type's rules on every occurrence before anything is written (the booking path
    # checks them again, per occurrence, with the same function).
    for index, (start, end) in enumerate(periods):
        try:
            rules.check_period(rtype, start=start, end=end, now=now, limits=limits)
        except rules.BookingRuleViolation as exc:
            raise rules.BookingRuleViolation(
                f"occurrence {index + 1} ({start.isoformat()}): {exc.detail}",
                errors=[
                    FieldError(
                        loc=["body", "occurrences", index, *e.loc[1:]], msg=e.msg, type=e.type
                    )
                    for e in exc.errors or []
                ],
            ) from exc
    rules.check_parameters(rtype, body.parameters)
    return _Plan(ctx, ctx.site, rtype, tz, rule, periods)


async def preview(
    session: AsyncSession,
    actor: Actor,
    body: SeriesCreate,
    *,
    limits: rules.PlatformLimits = rules.DEFAULT_LIMITS,
) -> SeriesPreview:
    """The occurrences and which of them are busy now. Reads only: booking decides later."""
    plan = await _plan(session, actor, body, limits)
    may_read = policy.allows(plan.ctx, Action.RESERVATION_READ)
    items = []
    for start, end in plan.periods:
        other = await reservations_repository.find_booking_conflict(
            session,
            resource_id=body.resource_id,
            period=rules.widened(plan.rtype, start, end),
        )
        items.append(
            PreviewOccurrence(
                start=start,
                end=end,
                free=other is None,
                conflicting_reservation_id=other.id if other is not None and may_read else None,
            )
        )
    return SeriesPreview(time_zone=plan.site.time_zone, occurrences=items)


def _skipped(start: datetime, end: datetime, exc: Conflict) -> SkippedOccurrenceRead:
    other = exc.extra.get("conflicting_reservation") or {}
    return SkippedOccurrenceRead(
        start=start,
        end=end,
        reason=exc.slug,
        detail=exc.detail,
        conflicting_reservation_id=uuid.UUID(other["id"]) if other.get("id") else None,
    )


def _conflicts_problem(
    conflicts: list[SkippedOccurrenceRead], total: int, *, outcome: str = "nothing was booked"
) -> SeriesConflict:
    return SeriesConflict(
        f"{len(conflicts)} of {total} occurrences conflict; {outcome}.",
        extra={"conflicts": [c.model_dump(mode="json") for c in conflicts]},
    )


async def create(
    session: AsyncSession,
    actor: Actor,
    body: SeriesCreate,
    *,
    limits: rules.PlatformLimits = rules.DEFAULT_LIMITS,
) -> Created:
    plan = await _plan(session, actor, body, limits)
    owner_id = body.owner_id or actor.user_id
    start_wall = body.start.astimezone(plan.tz).replace(tzinfo=None)
    series = ReservationSeries(
        id=uuid.uuid4(),
        site_id=plan.site.id,
        resource_id=body.resource_id,
        owner_id=owner_id,
        created_by=actor.user_id,
        title=body.title,
        description=body.description,
        rrule=plan.rule.text,
        time_zone=plan.site.time_zone,
        first_start=body.start,
        duration=body.end.astimezone(plan.tz).replace(tzinfo=None) - start_wall
        if body.end.astimezone(plan.tz).replace(tzinfo=None) > start_wall
        else body.end - body.start,
        conflict_mode=body.conflict_mode.value,
        parameters=body.parameters,
        status=SeriesStatus.ACTIVE.value,
    )
    booked: list[Reservation] = []
    refused: list[SkippedOccurrenceRead] = []
    for start, end in plan.periods:
        occurrence = ReservationCreate(
            resource_id=body.resource_id,
            title=body.title,
            description=body.description,
            start=start,
            end=end,
            parameters=body.parameters,
            owner_id=body.owner_id,
        )
        try:
            booked.append(
                await booking.create(
                    session, actor, occurrence, limits=limits, savepoint=True, series_id=series.id
                )
            )
        except Conflict as exc:
            # A conflict (or any other 409 rule of the booking path) refuses this occurrence
            # only; the mode decides what that does to the series.
            refused.append(_skipped(start, end, exc))
    if refused and body.conflict_mode is ConflictMode.ALL_OR_NOTHING:
        raise _conflicts_problem(refused, len(plan.periods))
    if not booked:
        raise SeriesConflict(
            f"None of the {len(plan.periods)} occurrences can be booked.",
            extra={"conflicts": [c.model_dump(mode="json") for c in refused]},
        )
    session.add(series)
    await session.flush()
    await repository.link(session, series.id, [r.id for r in booked])
    for reservation in booked:
        reservation.series_id = series.id
    read = to_read(series, booked, refused)
    await audit.record(session, actor, plan.site.id, ENTITY, series.id, "created", after=read)
    await _announce(
        session, plan.ctx, series, EventType.RESERVATION_SERIES_CREATED, booked, skipped=refused
    )
    return Created(series, booked, refused)


async def _announce(
    session: AsyncSession,
    ctx: SiteContext,
    series: ReservationSeries,
    type_: EventType,
    occurrences: list[Reservation],
    *,
    skipped: list[SkippedOccurrenceRead] | None = None,
    scope: SeriesScope | None = None,
) -> None:
    resource = await resources_repository.get(session, series.resource_id)
    assert resource is not None
    data = SeriesEventData(
        series=SeriesData(
            id=series.id,
            title=series.title,
            rrule=series.rrule,
            time_zone=series.time_zone,
            conflict_mode=series.conflict_mode,
            status=series.status,
            version=series.version,
        ),
        resource=await resource_data(session, resource),
        site=site_ref(ctx.site),
        owner_id=series.owner_id,
        scope=scope.value if scope is not None else None,
        occurrences=[
            OccurrenceRef(reservation_id=r.id, period=_period(r), status=r.status)
            for r in occurrences
        ],
        skipped=[
            SkippedOccurrence(
                period=Period(start=s.start, end=s.end),
                reason=s.reason,
                conflicting_reservation_id=s.conflicting_reservation_id,
            )
            for s in skipped or []
        ],
        request_id=current_request_id(),
    )
    await outbox.enqueue(session, make_event(type_, data))


def _period(reservation: Reservation) -> Period:
    start, end = reservation.period.lower, reservation.period.upper
    assert start is not None and end is not None
    return Period(start=start, end=end)


# ---------------------------------------------------------------------------------------------
# Reading and changing a series


async def _authorize(
    session: AsyncSession, actor: Actor, series: ReservationSeries, action: Action
) -> SiteContext:
    """404 for whoever may not read it (no existence leak), 403 for a reader who may not act."""
    not_found = SeriesNotFound(f"No series {series.id}.")
    return await policy.authorize_owned(session, actor, series, action, not_found=not_found)


async def get(
    session: AsyncSession, actor: Actor, series_id: uuid.UUID
) -> tuple[ReservationSeries, list[Reservation]]:
    policy.require_user(actor)
    series = await repository.get(session, series_id)
    if series is None:
        raise SeriesNotFound(f"No series {series_id}.")
    if series.owner_id != actor.user_id:
        await _authorize(session, actor, series, Action.RESERVATION_READ)
    return series, await repository.occurrences(session, series.id)


async def _in_scope(
    session: AsyncSession,
    series: ReservationSeries,
    body: SeriesUpdate | SeriesCancel,
    statuses: tuple[str, ...],
) -> list[Reservation]:
    if body.scope is SeriesScope.ALL:
        return await repository.occurrences(session, series.id, statuses=statuses)
    assert body.occurrence_id is not None
    chosen = await reservations_repository.get(session, body.occurrence_id)
    if chosen is None or chosen.series_id != series.id:
        raise UnprocessableEntity(
            f"Reservation {body.occurrence_id} is not an occurrence of series {series.id}.",
            errors=[
                FieldError(
                    loc=["body", "occurrence_id"],
                    msg="not an occurrence of this series",
                    type="not_found",
                )
            ],
        )
    if body.scope is SeriesScope.THIS:
        return [chosen]
    assert chosen.period.lower is not None
    return await repository.occurrences(
        session, series.id, statuses=statuses, from_start=chosen.period.lower
    )


async def _locked(
    session: AsyncSession, actor: Actor, series_id: uuid.UUID, action: Action, if_match: str | None
) -> tuple[ReservationSeries, SiteContext]:
    series = await repository.get_for_update(session, series_id)
    if series is None:
        raise SeriesNotFound(f"No series {series_id}.")
    ctx = await _authorize(session, actor, series, action)
    check_if_match(if_match, series.version)
    return series, ctx


async def update(
    session: AsyncSession,
    actor: Actor,
    series_id: uuid.UUID,
    body: SeriesUpdate,
    *,
    if_match: str | None,
    limits: rules.PlatformLimits = rules.DEFAULT_LIMITS,
) -> tuple[ReservationSeries, list[Reservation]]:
    """Change the occurrences in scope, each through the single-reservation path (rules,
    re-approval, slots, events); any conflict refuses the whole change with a 409 listing
    every conflicting occurrence."""
    series, ctx = await _locked(session, actor, series_id, Action.RESERVATION_MODIFY, if_match)
    if series.status != SeriesStatus.ACTIVE.value:
        raise reservations.ReservationNotEditable("A cancelled series cannot be changed.")
    targets = await _in_scope(session, series, body, CHANGEABLE)
    tz = ZoneInfo(series.time_zone)
    duration = body.duration if body.duration is not None else series.duration
    if body.duration is not None and body.duration <= timedelta(0):
        raise UnprocessableEntity(
            "duration must be positive.",
            errors=[FieldError(loc=["body", "duration"], msg="must be positive", type="period")],
        )
    retime = body.start_time is not None or body.duration is not None
    conflicts: list[SkippedOccurrenceRead] = []
    changed: list[Reservation] = []
    for occurrence in targets:
        fields: dict[str, Any] = {
            name: getattr(body, name)
            for name in ("title", "description", "parameters")
            if name in body.model_fields_set
        }
        if retime:
            assert occurrence.period.lower is not None
            wall = occurrence.period.lower.astimezone(tz).replace(tzinfo=None)
            if body.start_time is not None:
                wall = datetime.combine(wall.date(), body.start_time)
            fields["start"], fields["end"] = recurrence.occurrence(wall, duration, tz)
        before_start, before_end = occurrence.period.lower, occurrence.period.upper
        # One savepoint per occurrence: a refused change is undone at once, so it does not
        # count against the quotas of the occurrences after it.
        nested = await session.begin_nested()
        try:
            changed.append(
                await reservations.update(
                    session,
                    actor,
                    occurrence.id,
                    ReservationUpdate(**fields),
                    if_match="*",
                    limits=limits,
                )
            )
            await nested.commit()
        except Conflict as exc:
            # A conflict, a fair-use limit, any 409 of the single-reservation path refuses this
            # occurrence; it is listed, and the whole change is refused below.
            await nested.rollback()
            start = fields.get("start", before_start)
            end = fields.get("end", before_end)
            assert start is not None and end is not None
            conflicts.append(_skipped(start, end, exc))
    if conflicts:
        raise _conflicts_problem(conflicts, len(targets), outcome="nothing changed")
    before = to_read(series, [])
    if body.scope is SeriesScope.ALL:
        for name in ("title", "description", "parameters"):
            if name in body.model_fields_set:
                setattr(series, name, getattr(body, name))
        if body.duration is not None:
            series.duration = body.duration
        if body.start_time is not None:
            first = series.first_start.astimezone(tz).replace(tzinfo=None)
            series.first_start = recurrence.localize(
                datetime.combine(first.date(), body.start_time), tz
            )
    series.updated_at = datetime.now(UTC)  # a new version for every change of the series
    await session.flush()
    await session.refresh(series)
    await audit.record(
        session,
        actor,
        ctx.site_id,
        ENTITY,
        series.id,
        "updated",
        before=before,
        after=to_read(series, []),
    )
    await _announce(
        session, ctx, series, EventType.RESERVATION_SERIES_UPDATED, changed, scope=body.scope
    )
    return series, await repository.occurrences(session, series.id)


async def cancel(
    session: AsyncSession,
    actor: Actor,
    series_id: uuid.UUID,
    body: SeriesCancel,
    *,
    if_match: str | None,
) -> tuple[ReservationSeries, list[Reservation]]:
    """Cancel the occurrences in scope (each with its own reservation.cancelled); the series
    is cancelled when none of its occurrences holds slots any more."""
    series, ctx = await _locked(session, actor, series_id, Action.RESERVATION_CANCEL, if_match)
    targets = await _in_scope(session, series, body, CANCELLABLE)
    cancelled = [
        await reservations.decide(
            session,
            actor,
            occurrence.id,
            reservations.Decision.CANCEL,
            reason=body.reason,
            if_match=None,
        )
        for occurrence in targets
    ]
    left = await repository.occurrences(session, series.id, statuses=CANCELLABLE)
    before = to_read(series, [])
    if not left:
        series.status = SeriesStatus.CANCELLED.value
    series.updated_at = datetime.now(UTC)
    await session.flush()
    await session.refresh(series)
    await audit.record(
        session,
        actor,
        ctx.site_id,
        ENTITY,
        series.id,
        "cancelled" if not left else "updated",
        before=before,
        after=to_read(series, []),
    )
    event = (
        EventType.RESERVATION_SERIES_CANCELLED if not left else EventType.RESERVATION_SERIES_UPDATED
    )
    await _announce(session, ctx, series, event, cancelled, scope=body.scope)
    return series, await repository.occurrences(session, series.id)
