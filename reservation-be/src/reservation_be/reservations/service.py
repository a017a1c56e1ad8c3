"""Reservations: create, change, cancel, decide, read.

No double booking by construction: a reservation's slots are inserted and the exclusion
constraint on ``reservation_slots`` decides. Nothing here looks for a free period first.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from reservation_common.events import (
    Cause,
    EventType,
    OwnerData,
    Period,
    ProvisioningData,
    ReservationData,
    ReservationEventData,
    make_event,
)
from reservation_db.models.blackout import Blackout
from reservation_db.models.reservation import ProvisioningState, Reservation, ReservationStatus
from reservation_db.models.reservation_co_user import CoUserRole
from reservation_db.models.resource import Resource, ResourceStatus
from reservation_db.models.resource_type import ResourceType
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.engine import Row
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.co_users import repository as co_users_repository
from reservation_be.fairuse import repository as fairuse_repository
from reservation_be.fairuse import rules as fairuse
from reservation_be.kit import audit, outbox
from reservation_be.kit.db import statements_alone
from reservation_be.kit.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    UnprocessableEntity,
)
from reservation_be.kit.etag import check_if_match
from reservation_be.kit.notifications import notify, reservation_params
from reservation_be.kit.pagination import PaginationParams, paginate_counted
from reservation_be.kit.request_context import current_request_id
from reservation_be.mail import kinds as mail_kinds
from reservation_be.mail import queue as mail_queue
from reservation_be.mail.context import reservation_context
from reservation_be.mail.kinds import MailKind
from reservation_be.opening_hours import service as opening_service
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations import repository, rules
from reservation_be.reservations.db_errors import (
    DEADLOCK_DETECTED,
    EXCLUSION_VIOLATION,
    FOREIGN_KEY_VIOLATION,
    sqlstate,
)
from reservation_be.reservations.schemas import (
    Provisioning,
    ReservationRead,
    ReservationSort,
    ReservationUpdate,
)
from reservation_be.reservations.transitions import (
    EDITABLE,
    releases_slots,
    transition,
)
from reservation_be.resources import repository as resources_repository
from reservation_be.resources.service import resource_data, site_ref

ENTITY = "reservation"
DEADLOCK_RETRIES = 3
S = ReservationStatus


class ReservationNotFound(NotFound):
    slug, title = "reservation-not-found", "Reservation not found"


class BookingConflict(Conflict):
    slug, title = "booking-conflict", "The period is already booked"


class ResourceUnavailable(Conflict):
    slug, title = "resource-unavailable", "The resource cannot be booked"


class ReservationNotEditable(Conflict):
    slug, title = "reservation-not-editable", "The reservation can no longer be changed"


class ApprovalRequired(Conflict):
    slug, title = "approval-required", "The change needs a site admin's approval"


class BlackoutConflict(Conflict):
    slug, title = "blackout", "The period is blocked by a maintenance window"


class CapacityExceeded(Conflict):
    slug, title = "capacity-exceeded", "Not enough units of the resource are free"


async def shortage_problem(
    session: AsyncSession,
    ctx: SiteContext,
    shortage: repository.Shortage,
    *,
    resource_id: uuid.UUID,
    quantity: int,
    capacity: int,
) -> Conflict:
    """The 409 for a pooled booking that found too few free units: when none is free because a
    booking of an ancestor or a maintenance window holds them all, the usual conflict naming it;
    otherwise ``capacity-exceeded`` with the fewest free units and when."""
    if shortage.free == 0:
        piece = Range(shortage.start, shortage.end, bounds="[)")
        above = await repository.find_holder_from_above(
            session, resource_id=resource_id, period=piece
        )
        if above is not None:
            return _conflict(ctx, above)
        blackout = await fairuse_repository.find_blackout_conflict(
            session, resource_id=resource_id, period=piece
        )
        if blackout is not None:
            return _window_in_the_way(ctx, blackout)
    return capacity_exceeded(shortage, quantity=quantity, capacity=capacity)


def capacity_exceeded(
    shortage: repository.Shortage, *, quantity: int, capacity: int
) -> CapacityExceeded:
    start = shortage.start.astimezone(UTC).isoformat().replace("+00:00", "Z")
    end = shortage.end.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return CapacityExceeded(
        f"{quantity} of {capacity} units asked for, only {shortage.free} free from {start} to "
        f"{end}.",
        extra={
            "capacity": capacity,
            "quantity": quantity,
            "free": shortage.free,
            "free_start": start,
            "free_end": end,
        },
    )


async def blackout_or_conflict(
    session: AsyncSession,
    ctx: SiteContext,
    other: Reservation | None,
    *,
    resource_id: uuid.UUID,
    period: Range[datetime],
) -> Conflict:
    """The 409 for a refused booking: the committed reservation in the way or else the
    blackout (maintenance window) holding the period, with its reason."""
    if other is None:
        blackout = await fairuse_repository.find_blackout_conflict(
            session, resource_id=resource_id, period=period
        )
        if blackout is not None:
            return _window_in_the_way(ctx, blackout)
    return _conflict(ctx, other)


def refusal(
    ctx: SiteContext, rival: repository.RivalBooking | repository.RivalBlackout | None
) -> Conflict:
    """``blackout_or_conflict``'s answer for what ``repository.find_rival`` found."""
    if isinstance(rival, repository.RivalBlackout):
        return _window_in_the_way(ctx, rival)
    return _conflict(ctx, rival)


def _window_in_the_way(ctx: SiteContext, blackout: Blackout | repository.RivalBlackout) -> Conflict:
    """A maintenance window in the way: named to its own site's callers, the generic conflict
    to others."""
    if blackout.site_id == ctx.site_id:
        return _blackout_conflict(blackout)
    return _conflict(ctx, None)


def _blackout_conflict(blackout: Blackout | repository.RivalBlackout) -> BlackoutConflict:
    start, end = blackout.period.lower, blackout.period.upper
    assert start is not None and end is not None
    return BlackoutConflict(
        f"Maintenance window {blackout.id}: {blackout.reason}",
        extra={
            "blackout": {
                "id": str(blackout.id),
                "reason": blackout.reason,
                "start": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
                "end": end.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            }
        },
    )


# ---------------------------------------------------------------------------------------------
# Reading


def to_read(reservation: Reservation | Row[Any]) -> ReservationRead:
    return ReservationRead(**read_fields(reservation))


def read_fields(reservation: Reservation | Row[Any]) -> dict[str, Any]:
    period = reservation.period
    assert period.lower is not None and period.upper is not None
    return dict(
        id=reservation.id,
        site_id=reservation.site_id,
        resource_id=reservation.resource_id,
        owner_id=reservation.owner_id,
        created_by=reservation.created_by,
        title=reservation.title,
        description=reservation.description,
        start=period.lower,
        end=period.upper,
        status=S(reservation.status),
        status_reason=reservation.status_reason,
        parameters=reservation.parameters,
        provisioning=Provisioning(
            state=ProvisioningState(reservation.provisioning_state),
            message=reservation.provisioning_message,
            details=reservation.provisioning_details,
            updated_at=reservation.provisioning_updated_at,
        ),
        version=reservation.version,
        created_at=reservation.created_at,
        updated_at=reservation.updated_at,
        series_id=reservation.series_id,
        group_id=reservation.group_id,
        extended_by=reservation.extended_by or timedelta(0),
        checked_in_at=reservation.checked_in_at,
        quantity=reservation.quantity,
    )


async def _authorize_reservation(
    session: AsyncSession,
    actor: Actor,
    reservation: Reservation,
    action: Action,
) -> SiteContext:
    """404 for whoever may not read it (no existence leak), 403 for a reader who may not act."""
    try:
        ctx = await policy.site_context(session, actor, reservation.site_id)
    except NotFound as exc:
        raise ReservationNotFound(f"No reservation {reservation.id}.") from exc
    owner = reservation.owner_id
    if not (policy.allows(ctx, Action.RESERVATION_READ) or ctx.actor.user_id == owner):
        raise ReservationNotFound(f"No reservation {reservation.id}.")
    co_manager = False
    if (
        action in policy.CO_MANAGER_ACTIONS
        and ctx.actor.user_id != owner
        and not policy.allows(ctx, action, owner_id=owner)
    ):
        role = await co_users_repository.role_of(session, reservation.id, ctx.actor.user_id)
        co_manager = role == CoUserRole.CO_MANAGER.value
    policy.check(ctx, action, owner_id=owner, co_manager=co_manager)
    return ctx


async def get(session: AsyncSession, actor: Actor, reservation_id: uuid.UUID) -> Reservation:
    reservation = await repository.get(session, reservation_id)
    if reservation is None:
        raise ReservationNotFound(f"No reservation {reservation_id}.")
    if reservation.owner_id != actor.user_id:
        await _authorize_reservation(session, actor, reservation, Action.RESERVATION_READ)
    else:
        policy.require_user(actor)
    return reservation


async def list_reservations(
    session: AsyncSession,
    actor: Actor,
    *,
    pagination: PaginationParams,
    mine: bool = False,
    site: str | None = None,
    resource_id: uuid.UUID | None = None,
    include_subtree: bool = False,
    owner_id: str | None = None,
    statuses: list[ReservationStatus] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    sort: ReservationSort = ReservationSort.START,
    embed_resource: bool = False,
) -> tuple[list[str], int]:
    """Everything visible that matches; a period filter selects what OVERLAPS [start, end).

    Each item as its JSON text (``schemas.ReservationListItem``, with its resource when
    ``embed_resource``), written by PostgreSQL (``repository.as_item_json``): a page is
    read-only, and decoding, validating and serialising 100 rows in Python cost more than the
    query."""
    policy.require_user(actor)
    await statements_alone(session)
    site_ids: list[uuid.UUID] | None = None
    site_id: uuid.UUID | None = None
    if site is not None:
        ctx = await policy.authorize(session, actor, site, Action.RESERVATION_READ)
        site_id = ctx.site_id
    resource_ids: list[uuid.UUID] | None = None
    if resource_id is not None:
        resource = await resources_repository.get(session, resource_id)
        not_found = NotFound(f"No resource {resource_id}.")
        if resource is None:
            raise not_found
        await policy.authorize_object(
            session, actor, resource.site_id, Action.RESERVATION_READ, not_found=not_found
        )
        resource_ids = (
            await resources_repository.subtree_ids(session, resource_id)
            if include_subtree
            else [resource_id]
        )
    # A site or resource filter was authorised above: it alone bounds what is visible, which
    # keeps the query on the (site_id, period) and (resource_id, period) indexes.
    if not actor.is_platform_admin and site_id is None and resource_ids is None:
        member_sites = await session.execute(policy.member_site_ids(actor))
        site_ids = list(member_sites.scalars().all())
    if start is not None and end is not None and end <= start:
        raise UnprocessableEntity(
            "end must be after start.",
            errors=[FieldError(loc=["query", "end"], msg="must be after start", type="period")],
        )
    overlaps: Range[datetime] | None = None
    if start is not None or end is not None:
        overlaps = Range(start, end, bounds="[)")
    stmt = repository.list_statement(
        site_ids=site_ids,
        viewer_id=actor.user_id,
        owner_id=owner_id,
        mine=actor.user_id if mine else None,
        site_id=site_id,
        resource_ids=resource_ids,
        statuses=[s.value for s in statuses] if statuses else None,
        overlaps=overlaps,
        sort=sort,
    )
    return await paginate_counted(
        session, repository.as_item_json(stmt, embed_resource=embed_resource), pagination
    )


# ---------------------------------------------------------------------------------------------
# Events, audit, notifications: written in the caller's transaction


def reservation_data(reservation: Reservation) -> ReservationData:
    """The ``reservation`` part of every reservation event (also built by the scheduler)."""
    start, end = reservation.period.lower, reservation.period.upper
    assert start is not None and end is not None
    return ReservationData(
        id=reservation.id,
        title=reservation.title,
        status=reservation.status,
        period=Period(start=start, end=end),
        parameters=reservation.parameters,
        provisioning=ProvisioningData(
            state=reservation.provisioning_state,
            message=reservation.provisioning_message,
            details=reservation.provisioning_details,
            updated_at=reservation.provisioning_updated_at,
        ),
        version=reservation.version,
    )


async def event_data(
    session: AsyncSession,
    reservation: Reservation,
    *,
    ctx: SiteContext,
    previous_status: str | None = None,
    cause: Cause | None = None,
) -> ReservationEventData:
    resource = await resources_repository.get(session, reservation.resource_id)
    assert resource is not None
    owner = await repository.owner_with_keys(session, reservation.owner_id)
    assert owner is not None
    user, keys = owner
    co_users = await co_users_repository.event_co_users(session, [reservation.id])
    return ReservationEventData(
        reservation=reservation_data(reservation),
        resource=await resource_data(session, resource),
        site=site_ref(ctx.site),
        owner=OwnerData(id=user.id, username=user.username, email=user.email, ssh_keys=keys),
        co_users=co_users.get(reservation.id, []),
        previous_status=previous_status,
        cause=cause,
        request_id=current_request_id(),
    )


_MESSAGES: dict[EventType, str] = {
    EventType.RESERVATION_CREATED: "Reservation {title!r} on {resource} was created ({status}).",
    EventType.RESERVATION_UPDATED: "Reservation {title!r} on {resource} was changed.",
    EventType.RESERVATION_APPROVED: "Reservation {title!r} on {resource} was approved.",
    EventType.RESERVATION_REJECTED: "Reservation {title!r} on {resource} was rejected.",
    EventType.RESERVATION_CANCELLED: "Reservation {title!r} on {resource} was cancelled.",
    EventType.RESERVATION_RELEASED: "Reservation {title!r} on {resource} was released early.",
    EventType.RESERVATION_FAILED: "Reservation {title!r} on {resource} failed.",
}


async def _announce(
    session: AsyncSession,
    actor: Actor | None,
    ctx: SiteContext,
    reservation: Reservation,
    type_: EventType,
    *,
    before: ReservationRead | None,
    previous_status: str | None = None,
    also_notify: list[str] | None = None,
    cause: Cause | None = None,
    detail: str | None = None,
    inform: list[str] | None = None,
) -> None:
    """Outbox event, audit row and notifications for one change, in the same transaction.

    The owner and the co-users are notified (and mailed) alike; ``inform`` names more people
    told as they are (a co-user just removed), ``also_notify`` the site admins asked to decide.
    ``detail`` is added to the people's message (a maintenance window's reason, an
    integration's failure message)."""
    after = to_read(reservation)
    await audit.record(
        session, actor, ctx.site_id, ENTITY, reservation.id, type_.value.split(".", 1)[1],
        before=before, after=after,
    )  # fmt: skip
    data = await event_data(
        session, reservation, ctx=ctx, previous_status=previous_status, cause=cause
    )
    await outbox.enqueue(session, make_event(type_, data))
    message = _MESSAGES[type_].format(
        title=reservation.title, resource=data.resource.name, status=reservation.status
    )
    if detail:
        message = f"{message} {detail}"
    params = reservation_params(
        reservation,
        data.resource.name,
        detail=detail or None,
        cause=cause.value if cause is not None else None,
    )
    links = [{"rel": "reservation", "href": f"/api/v1/reservations/{reservation.id}"}]
    sharing = {reservation.owner_id, *(c.id for c in data.co_users), *(inform or [])}
    recipients = [reservation.owner_id, *(c.id for c in data.co_users), *(inform or []),
                  *(also_notify or [])]  # fmt: skip
    mails: list[mail_queue.Recipient] = []
    by_owner = actor is not None and actor.user_id == reservation.owner_id
    owner_kind = mail_kinds.for_owner(type_.value, status=reservation.status, by_owner=by_owner)
    for user_id in dict.fromkeys(recipients):
        note = await notify(session, user_id, type_.value, message, links, params=params)
        kind = owner_kind if user_id in sharing else MailKind.APPROVAL_REQUESTED
        if kind is not None:
            mails.append(mail_queue.Recipient(user_id, kind, note.id))
    context = reservation_context(
        data,
        description=reservation.description,
        actor=actor.username if actor is not None else None,
        status_reason=reservation.status_reason,
    )
    await mail_queue.enqueue(session, mails, context)


# ---------------------------------------------------------------------------------------------
# Writing


async def _bookable_resource(
    session: AsyncSession, resource_id: uuid.UUID, *, locked: Resource | None = None
) -> tuple[Resource, ResourceType]:
    """The resource read FOR SHARE (so no move of its subtree interleaves), and its type."""
    resource = locked or await resources_repository.get_for_share(session, resource_id)
    if resource is None:
        raise _unknown_resource(resource_id)
    if resource.status != ResourceStatus.ACTIVE.value:
        raise ResourceUnavailable(
            f"Resource {resource.name!r} is {resource.status} and refuses new bookings."
        )
    rtype = await session.get(ResourceType, resource.type_id)
    assert rtype is not None
    return resource, rtype


async def _type_of(session: AsyncSession, resource_id: uuid.UUID) -> ResourceType:
    resource = await resources_repository.get(session, resource_id)
    assert resource is not None
    rtype = await session.get(ResourceType, resource.type_id)
    assert rtype is not None
    return rtype


def _unknown_resource(resource_id: uuid.UUID) -> UnprocessableEntity:
    return UnprocessableEntity(
        f"No resource {resource_id} that you can book.",
        errors=[FieldError(loc=["body", "resource_id"], msg="unknown resource", type="not_found")],
    )


async def _hold(
    session: AsyncSession,
    ctx: SiteContext,
    reservation: Reservation,
    rtype: ResourceType,
    *,
    replace: bool,
    capacity: int,
) -> None:
    """Insert the reservation's slots in a savepoint; a 23P01 becomes a 409 naming the winner,
    too few free units of a pooled resource a 409 ``capacity-exceeded``."""
    period = reservation.period
    assert period.lower is not None and period.upper is not None
    held = rules.widened(rtype, period.lower, period.upper)
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            async with session.begin_nested():
                if replace:
                    await repository.delete_slots(session, reservation.id)
                await repository.lock_for_booking(session, reservation.resource_id)
                shortage = await repository.insert_slots(
                    session,
                    reservation_id=reservation.id,
                    resource_id=reservation.resource_id,
                    period=held,
                    quantity=reservation.quantity,
                    capacity=capacity,
                )
                if shortage is not None:
                    raise _Short(shortage)
            return
        except _Short as short:
            raise await shortage_problem(
                session,
                ctx,
                short.shortage,
                resource_id=reservation.resource_id,
                quantity=reservation.quantity,
                capacity=capacity,
            ) from None
        except DBAPIError as exc:
            state = sqlstate(exc)
            if state == FOREIGN_KEY_VIOLATION:
                raise Conflict("The resource tree changed while booking; retry.") from exc
            if state not in (EXCLUSION_VIOLATION, DEADLOCK_DETECTED):
                raise
            other = await repository.find_booking_conflict(
                session, resource_id=reservation.resource_id, period=held, exclude=reservation.id
            )
            # Two racing exclusion checks can wait for each other (each inserts its index entry,
            # then waits for the other) and PostgreSQL aborts one. If no committed booking is in
            # the way yet, the rival is still running: insert again, and this time the wait is
            # one-way and ends in a verdict.
            if other is None and state == DEADLOCK_DETECTED and attempt < DEADLOCK_RETRIES:
                continue
            raise await blackout_or_conflict(
                session, ctx, other, resource_id=reservation.resource_id, period=held
            ) from exc
    raise AssertionError("unreachable")


class _Short(Exception):
    """Too few free units: leaves the slot savepoint (rolling it back) with the shortage."""

    def __init__(self, shortage: repository.Shortage) -> None:
        self.shortage = shortage


def _conflict(
    ctx: SiteContext, other: Reservation | repository.RivalBooking | None
) -> BookingConflict:
    generic = "The resource (or one above or below it) is already booked over this period."
    if other is None or not (
        policy.allows(ctx, Action.RESERVATION_READ) and other.site_id == ctx.site_id
    ):
        return BookingConflict(generic)
    period = other.period
    assert period.lower is not None and period.upper is not None
    start, end = period.lower.astimezone(UTC), period.upper.astimezone(UTC)
    return BookingConflict(
        f"Conflicts with reservation {other.id} ({start.isoformat()} to {end.isoformat()}).",
        extra={
            "conflicting_reservation": {
                "id": str(other.id),
                "resource_id": str(other.resource_id),
                "start": start.isoformat().replace("+00:00", "Z"),
                "end": end.isoformat().replace("+00:00", "Z"),
                "status": other.status,
            }
        },
    )


async def _locked(
    session: AsyncSession, actor: Actor, reservation_id: uuid.UUID, action: Action
) -> tuple[Reservation, SiteContext]:
    reservation = await repository.get_for_update(session, reservation_id)
    if reservation is None:
        raise ReservationNotFound(f"No reservation {reservation_id}.")
    ctx = await _authorize_reservation(session, actor, reservation, action)
    return reservation, ctx


async def update(
    session: AsyncSession,
    actor: Actor,
    reservation_id: uuid.UUID,
    body: ReservationUpdate,
    *,
    if_match: str | None,
    limits: rules.PlatformLimits = rules.DEFAULT_LIMITS,
) -> Reservation:
    reservation, ctx = await _locked(session, actor, reservation_id, Action.RESERVATION_MODIFY)
    check_if_match(if_match, reservation.version)
    changes = body.model_dump(exclude_unset=True)
    override_hours = bool(changes.pop("override_opening_hours", False))
    if not policy.allows(ctx, Action.RESERVATION_MODIFY, owner_id=reservation.owner_id):
        # Authorised as a co-manager: they extend (a later end), nothing else.
        end_now = reservation.period.upper
        if (
            set(changes) != {"end"}
            or end_now is None
            or changes["end"] is None
            or (changes["end"] <= end_now)
        ):
            raise Forbidden("A co-manager may only extend (move the end later) or cancel.")
    for name in ("title", "description", "start", "end", "parameters", "resource_id", "quantity"):
        if name in changes and changes[name] is None:
            raise UnprocessableEntity(
                f"{name} cannot be null.",
                errors=[FieldError(loc=["body", name], msg="cannot be null", type="null")],
            )
    status = S(reservation.status)
    if status not in EDITABLE:
        raise ReservationNotEditable(f"A {status.value} reservation cannot be changed.")
    before = to_read(reservation)
    if all(getattr(before, name) == value for name, value in changes.items()):
        return reservation  # nothing changes: no new version, no event
    start = changes.get("start", before.start)
    end = changes.get("end", before.end)
    start_changed, end_changed = start != before.start, end != before.end
    resource_id: uuid.UUID = changes.get("resource_id", reservation.resource_id)
    moved = resource_id != reservation.resource_id
    if status is S.ACTIVE and (start_changed or moved):
        raise ReservationNotEditable(
            "An active reservation keeps its start and resource; only its end can change."
        )
    if end <= start:
        raise UnprocessableEntity(
            "end must be after start.",
            errors=[FieldError(loc=["body", "end"], msg="must be after start", type="period")],
        )
    quantity: int = changes.get("quantity", reservation.quantity)
    reholds = start_changed or end_changed or moved or quantity != reservation.quantity
    if moved:
        target = await resources_repository.get(session, resource_id)
        if target is None or target.site_id != reservation.site_id:
            raise _unknown_resource(resource_id)
    capacity = 1
    if reholds:
        resource, rtype = await _bookable_resource(session, resource_id)
        capacity = resource.capacity or rtype.capacity
        rules.check_quantity(quantity, capacity, resource_name=resource.name)
        if start_changed or end_changed or moved:
            schedule, ids = await opening_service.effective_for(session, resource)
            if schedule.restricts or override_hours:
                await opening_service.check_booking(
                    session, actor, ctx, schedule, ids, reservation_id=reservation.id,
                    start=start, end=end, override=override_hours,
                )  # fmt: skip
    else:
        rtype = await _type_of(session, resource_id)
    now = datetime.now(UTC)
    if reholds:
        rules.check_period(
            rtype,
            start=start,
            end=end,
            now=now,
            start_changed=start_changed or moved,
            end_changed=end_changed or moved,
            limits=limits,
        )
    parameters: dict[str, Any] = changes.get("parameters", reservation.parameters)
    if moved or "parameters" in changes:
        rules.check_parameters(rtype, parameters)
    claims_more = (
        moved
        or quantity > reservation.quantity
        or start < before.start
        or end > before.end
        or ("parameters" in changes and parameters != reservation.parameters)
    )
    previous = _reapprove(ctx, reservation, rtype, claims_more=claims_more)
    if end_changed and not moved and not start_changed:
        reservation.extended_by = fairuse.check_extension(
            rtype,
            reservation,
            new_end=end,
            now=now,
            may_override=policy.allows(ctx, Action.RESERVATION_DECIDE),
        )
    quotas: list[fairuse.EffectiveQuota] = []
    if reholds:
        quotas = await fairuse.prepare_quotas(
            session,
            site_id=reservation.site_id,
            owner_id=reservation.owner_id,
            resource_type_id=rtype.id,
            owner_is_site_admin=await repository.is_site_admin(
                session, reservation.site_id, reservation.owner_id
            ),
        )
    for name in ("title", "description"):
        if name in changes:
            setattr(reservation, name, changes[name])
    reservation.parameters = parameters
    reservation.resource_id = resource_id
    reservation.quantity = quantity
    reservation.period = Range(start, end, bounds="[)")
    await session.flush()
    if reholds:
        await _hold(session, ctx, reservation, rtype, replace=True, capacity=capacity)
        await fairuse.enforce_quotas(session, quotas, reservation, now=now)
    admins = await repository.site_admin_ids(session, ctx.site_id) if previous else []
    await _announce(
        session, actor, ctx, reservation, EventType.RESERVATION_UPDATED, before=before,
        previous_status=previous.value if previous else None, also_notify=admins,
    )  # fmt: skip
    return reservation


def _reapprove(
    ctx: SiteContext, reservation: Reservation, rtype: ResourceType, *, claims_more: bool
) -> ReservationStatus | None:
    """A change that would need approval on create needs it again: the status it leaves, if any.

    ``claims_more`` is a change a create would have to have approved: another resource, a
    period reaching outside the one approved, other parameters. A confirmed reservation goes
    back to pending (its slots stay held); an active one cannot, so only someone who may
    approve makes such a change to it.
    """
    if not (rtype.requires_approval and claims_more):
        return None
    status = S(reservation.status)
    if status is S.CONFIRMED:
        return transition(reservation, S.PENDING)
    if status is S.ACTIVE and not policy.allows(ctx, Action.RESERVATION_DECIDE):
        raise ApprovalRequired(
            f"Resource type {rtype.name!r} requires approval: only a site admin can extend "
            "an active reservation or change its parameters."
        )
    return None


class Decision(StrEnum):
    """Status changes made by a person; the scheduler makes the others."""

    CANCEL = "cancel"
    APPROVE = "approve"
    REJECT = "reject"


# decision -> (who may make it, the status it leads to, the event it writes)
DECISIONS: dict[Decision, tuple[Action, ReservationStatus, EventType]] = {
    Decision.CANCEL: (Action.RESERVATION_CANCEL, S.CANCELLED, EventType.RESERVATION_CANCELLED),
    Decision.APPROVE: (Action.RESERVATION_DECIDE, S.CONFIRMED, EventType.RESERVATION_APPROVED),
    Decision.REJECT: (Action.RESERVATION_DECIDE, S.REJECTED, EventType.RESERVATION_REJECTED),
}


async def decide(
    session: AsyncSession,
    actor: Actor,
    reservation_id: uuid.UUID,
    decision: Decision,
    *,
    reason: str | None,
    if_match: str | None,
) -> Reservation:
    """Cancel, approve or reject through the transition table; ``If-Match`` is optional."""
    action, target, event = DECISIONS[decision]
    reservation, ctx = await _locked(session, actor, reservation_id, action)
    check_if_match(if_match, reservation.version, required=False)
    before = to_read(reservation)
    previous = transition(reservation, target)
    reservation.status_reason = reason
    await session.flush()
    if releases_slots(previous, target):
        await repository.delete_slots(session, reservation.id)
    await _announce(
        session, actor, ctx, reservation, event, before=before, previous_status=previous.value
    )
    return reservation
