"""Find N free resources and book them as one group (all or none).

Finding reads the calendar (``repository.first_free``) and decides nothing. Booking the group
books each resource through ``reservations.booking.create`` in one transaction, in the order
of the resource ids (so two groups take their booking locks in the same order and cannot wait
for each other in a cycle). When the exclusion constraint refuses one of them, the whole
transaction is rolled back and the search runs again on what is now committed, at most
``BOOK_ATTEMPTS`` times; then the client gets a 409.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reservation_db.models.reservation import Reservation
from reservation_db.models.reservation_group import ReservationGroup
from reservation_db.models.resource_type import ResourceType
from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.fairuse import rules as fairuse
from reservation_be.find import repository
from reservation_be.find.schemas import Candidate, FindRequest, GroupCancel, GroupExtend, GroupRead
from reservation_be.kit import audit
from reservation_be.kit.errors import Conflict, FieldError, NotFound, UnprocessableEntity
from reservation_be.kit.etag import check_if_match
from reservation_be.opening_hours import service as opening_hours
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations import booking, rules
from reservation_be.reservations import service as reservations
from reservation_be.reservations.schemas import ReservationCreate, ReservationUpdate

BOOK_ATTEMPTS = 3
# Free resources beyond N a group booking considers, so concurrent groups spread out.
POOL = 64
ENTITY = "reservation_group"
HOLDING = ("pending", "confirmed", "active")


class NoFreeResources(Conflict):
    slug, title = "no-free-resources", "Not enough free resources"


class GroupNotFound(NotFound):
    slug, title = "group-not-found", "Reservation group not found"


@dataclass
class Proposal:
    start: datetime
    end: datetime
    resources: list[Candidate]
    alternatives: list[Candidate]


def _invalid(loc: list[str | int], msg: str, type_: str) -> UnprocessableEntity:
    return UnprocessableEntity(
        f"{'.'.join(str(p) for p in loc[1:])}: {msg}.",
        errors=[FieldError(loc=loc, msg=msg, type=type_)],
    )


async def find(
    session: AsyncSession,
    actor: Actor,
    body: FindRequest,
    *,
    limits: rules.PlatformLimits = rules.DEFAULT_LIMITS,
) -> tuple[SiteContext, Proposal | None]:
    ctx = await policy.authorize(session, actor, body.site, Action.RESERVATION_CREATE)
    rtype = await session.get(ResourceType, body.type_id)
    if rtype is None or rtype.site_id != ctx.site_id:
        raise _invalid(["body", "type_id"], "no such resource type in this site", "not_found")
    now = datetime.now(UTC)
    if body.start is not None and body.end is not None:
        duration = body.end - body.start
        earliest, latest_end = body.start, body.end
        rules.check_period(rtype, start=body.start, end=body.end, now=now, limits=limits)
    else:
        assert body.duration is not None
        duration = body.duration
        horizon = rtype.booking_horizon or limits.booking_horizon
        earliest = max(body.earliest_start or now, now + rtype.minimum_notice)
        latest_end = min(body.latest_end or now + horizon, now + horizon)
        if duration <= timedelta(0):
            raise _invalid(["body", "duration"], "must be positive", "period")
        if latest_end - earliest < duration:
            raise _invalid(
                ["body", "latest_end"],
                "the window (after the minimum notice, within the booking horizon) is "
                "shorter than the duration",
                "window",
            )
        rules.check_period(
            rtype,
            start=earliest,
            end=earliest + duration,
            now=now,
            limits=limits,
            start_changed=False,
            end_changed=False,
        )
    keys = list(body.attributes)
    if keys:
        known = await repository.known_attributes(
            session, site_id=ctx.site_id, type_id=rtype.id, keys=keys
        )
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise UnprocessableEntity(
                f"No {rtype.name!r} resource has the attribute(s) {', '.join(unknown)}.",
                errors=[
                    FieldError(
                        loc=["body", "attributes", k],
                        msg="unknown attribute",
                        type="unknown_attribute",
                    )
                    for k in unknown
                ],
            )
    where = repository.filters(body.attributes)
    matching = await repository.count_matching(
        session, site_id=ctx.site_id, type_id=rtype.id, where=where, quantity=body.quantity
    )
    if matching.largest is not None and body.quantity > matching.largest:
        raise rules.QuantityOverCapacity(
            f"The matching {rtype.name!r} resources lend at most {matching.largest} unit(s) at "
            f"once; {body.quantity} were asked for.",
            errors=[
                FieldError(
                    loc=["body", "quantity"], msg=f"at most {matching.largest}", type="capacity"
                )
            ],
        )
    if matching.fitting < body.count:
        lending = f" lending {body.quantity} units" if body.quantity > 1 else ""
        raise _invalid(
            ["body", "count"],
            f"only {matching.fitting} active resource(s){lending} match the type and attributes",
            "too_many",
        )
    hours = await opening_hours.starts_for_type(
        session, ctx, rtype.id, start=earliest, end=latest_end, duration=duration
    )
    found = await repository.first_free(
        session,
        site_id=ctx.site_id,
        type_id=rtype.id,
        where=where,
        count=body.count,
        quantity=body.quantity,
        earliest=earliest,
        latest_end=latest_end,
        duration=duration,
        lead=rtype.lead_time,
        teardown=rtype.teardown_grace,
        limit=body.count + body.alternatives,
        hours=hours,
    )
    if found is None:
        return ctx, None
    candidates = [Candidate(id=i, name=n, attributes=a) for i, n, a in found.resources]
    return ctx, Proposal(
        start=found.start,
        end=found.start + duration,
        resources=candidates[: body.count],
        alternatives=candidates[body.count :],
    )


async def book(
    session: AsyncSession,
    actor: Actor,
    body: FindRequest,
    *,
    limits: rules.PlatformLimits = rules.DEFAULT_LIMITS,
) -> tuple[Proposal, ReservationGroup, list[Reservation]]:
    """Find and book in one transaction; on a lost race search again (bounded)."""
    assert body.title is not None
    # Ask for more than N free resources, so a client that finds the first ones taken by a
    # concurrent group (their locks held) books others instead of queueing behind it.
    pooled = body.model_copy(update={"alternatives": max(body.alternatives, POOL)})
    for attempt in range(1, BOOK_ATTEMPTS + 1):
        ctx, found = await find(session, actor, pooled, limits=limits)
        if found is None:
            raise NoFreeResources(
                f"No period in the window where {body.count} matching resources are all free."
            )
        # The owner's quota locks before the resource locks of the claim, the order of every
        # booking path (booking.create re-takes them, re-entrantly).
        await fairuse.lock_quotas(
            session, site_id=ctx.site_id, owner_id=body.owner_id or actor.user_id
        )
        proposal = await _claim(session, found, body.count)
        group = ReservationGroup(
            site_id=ctx.site_id,
            owner_id=body.owner_id or actor.user_id,
            created_by=actor.user_id,
            title=body.title,
        )
        session.add(group)
        await session.flush()
        booked: list[Reservation] = []
        try:
            for candidate in sorted(proposal.resources, key=lambda c: c.id):
                member = ReservationCreate(
                    resource_id=candidate.id,
                    title=body.title,
                    description=body.description,
                    start=proposal.start,
                    end=proposal.end,
                    parameters=body.parameters,
                    owner_id=body.owner_id,
                    quantity=body.quantity,
                )
                booked.append(await booking.create(session, actor, member, limits=limits))
        except Conflict as exc:
            # booking.create rolled a refused insert back already; any other 409 leaves the
            # members booked so far in the transaction: drop them too (all or none).
            await session.rollback()
            if isinstance(exc, fairuse.QuotaExceeded):
                raise  # the owner's quota, not a lost race: searching again cannot help
            if attempt == BOOK_ATTEMPTS:
                raise NoFreeResources(
                    f"Other bookings took the proposed resources {BOOK_ATTEMPTS} times in a "
                    "row; retry."
                ) from exc
            continue
        await session.execute(
            update(Reservation)
            .where(Reservation.id == _any([r.id for r in booked]))
            .values(group_id=group.id)
            .execution_options(synchronize_session=False)
        )
        for reservation in booked:
            reservation.group_id = group.id
        await audit.record(
            session,
            actor,
            ctx.site_id,
            ENTITY,
            group.id,
            "created",
            after=to_read(group, booked),
        )
        return proposal, group, booked
    raise AssertionError("unreachable")


# The booking lock of repository.lock_for_booking (exclusive on the booked resource), tried
# without waiting on each free resource in the proposal's order until N are held. Held ones
# are skipped, not waited for; the lock is taken again (re-entrantly) by booking.create.
_TRY_LOCK = text(
    """
SELECT id FROM unnest(CAST(:ids AS uuid[])) AS candidate(id)
WHERE pg_try_advisory_xact_lock(hashtextextended(id::text, 7497075))
LIMIT :count
"""
).bindparams(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))))


async def _claim(session: AsyncSession, found: Proposal, count: int) -> Proposal:
    """The N resources to book: the first free ones nobody else is booking right now; when
    fewer than N are, the first N (the booking then waits for the others' verdict)."""
    pool = found.resources + found.alternatives
    nested = await session.begin_nested()
    held = set(
        (await session.execute(_TRY_LOCK, {"ids": [c.id for c in pool], "count": count}))
        .scalars()
        .all()
    )
    if len(held) == count:
        await nested.commit()
        chosen = [c for c in pool if c.id in held]
    else:
        # Give the few back (a savepoint's locks go with it), so no one waits for them.
        await nested.rollback()
        chosen = pool[:count]
    rest = [c for c in pool if c not in chosen]
    return Proposal(start=found.start, end=found.end, resources=chosen, alternatives=rest)


def _any(ids: list[uuid.UUID]) -> Any:
    return func.any(bindparam("ids", ids, type_=ARRAY(UUID(as_uuid=True))))


def to_read(group: ReservationGroup, members: list[Reservation]) -> GroupRead:
    return GroupRead(
        id=group.id,
        site_id=group.site_id,
        owner_id=group.owner_id,
        created_by=group.created_by,
        title=group.title,
        version=group.version,
        created_at=group.created_at,
        updated_at=group.updated_at,
        reservations=[reservations.to_read(r) for r in members],
    )


# ---------------------------------------------------------------------------------------------
# A group as a whole: read, cancel, extend


async def _members(session: AsyncSession, group_id: uuid.UUID) -> list[Reservation]:
    stmt = (
        select(Reservation)
        .where(Reservation.group_id == group_id)
        .order_by(func.lower(Reservation.period), Reservation.resource_id)
        .execution_options(populate_existing=True)
    )
    return list((await session.execute(stmt)).scalars())


async def _authorize(
    session: AsyncSession, actor: Actor, group: ReservationGroup, action: Action
) -> SiteContext:
    not_found = GroupNotFound(f"No reservation group {group.id}.")
    return await policy.authorize_owned(session, actor, group, action, not_found=not_found)


async def get(
    session: AsyncSession, actor: Actor, group_id: uuid.UUID
) -> tuple[ReservationGroup, list[Reservation]]:
    policy.require_user(actor)
    group = await session.get(ReservationGroup, group_id)
    if group is None:
        raise GroupNotFound(f"No reservation group {group_id}.")
    if group.owner_id != actor.user_id:
        await _authorize(session, actor, group, Action.RESERVATION_READ)
    return group, await _members(session, group.id)


async def _locked(
    session: AsyncSession, actor: Actor, group_id: uuid.UUID, action: Action
) -> tuple[ReservationGroup, SiteContext]:
    policy.require_user(actor)
    group = (
        await session.execute(
            select(ReservationGroup)
            .where(ReservationGroup.id == group_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if group is None:
        raise GroupNotFound(f"No reservation group {group_id}.")
    return group, await _authorize(session, actor, group, action)


async def cancel(
    session: AsyncSession,
    actor: Actor,
    group_id: uuid.UUID,
    body: GroupCancel,
    *,
    if_match: str | None,
) -> tuple[ReservationGroup, list[Reservation]]:
    """Cancel every reservation of the group still holding its slots (one event each)."""
    group, ctx = await _locked(session, actor, group_id, Action.RESERVATION_CANCEL)
    check_if_match(if_match, group.version, required=False)
    for member in await _members(session, group.id):
        if member.status in HOLDING:
            await reservations.decide(
                session,
                actor,
                member.id,
                reservations.Decision.CANCEL,
                reason=body.reason,
                if_match=None,
            )
    group.updated_at = datetime.now(UTC)
    await session.flush()
    await audit.record(session, actor, ctx.site_id, ENTITY, group.id, "cancelled")
    return group, await _members(session, group.id)


async def extend(
    session: AsyncSession,
    actor: Actor,
    group_id: uuid.UUID,
    body: GroupExtend,
    *,
    if_match: str | None,
    limits: rules.PlatformLimits = rules.DEFAULT_LIMITS,
) -> tuple[ReservationGroup, list[Reservation]]:
    """Move the end of every reservation of the group still holding slots; a conflict on any
    of them refuses the whole change (409, nothing changes)."""
    group, ctx = await _locked(session, actor, group_id, Action.RESERVATION_MODIFY)
    check_if_match(if_match, group.version)
    for member in await _members(session, group.id):
        if member.status in HOLDING:
            await reservations.update(
                session,
                actor,
                member.id,
                ReservationUpdate(end=body.end),
                if_match="*",
                limits=limits,
            )
    group.updated_at = datetime.now(UTC)
    await session.flush()
    await audit.record(session, actor, ctx.site_id, ENTITY, group.id, "extended")
    return group, await _members(session, group.id)
