"""The waitlist: members wait, in the order they asked, for a busy period of a resource.

A pass (:class:`WaitlistWorker`, every ``interval``; :func:`offer_pass` in tests) finds the
periods that became free (a cancellation, a release, an idle release, a shorter booking, a
deleted maintenance window: whatever freed them; on a pool, enough of its units for the entry's
quantity over the whole period) and offers each to the first member in line for it: an
``auto_book`` entry is booked for them through the ordinary booking path (every rule and quota
applies) and must be confirmed by ``confirm_by``, or that booking is cancelled and the next in
line gets its turn; otherwise the member is told and has until ``confirm_by`` to book it before
the next one is told. An entry no longer useful by ``expires_at`` (at the latest the period's
start) expires. The pass locks the entries it works on (``FOR UPDATE SKIP LOCKED``), so
replicas share the work and no entry is offered twice; an offer made earlier blocks the entries
behind it (fair order), and a booking made for one entry holds the period for the others.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from reservation_common.events import Cause, EventType
from reservation_common.service_loop import backoff_wait, run_service_loop
from reservation_db.models import Resource, Site, User, WaitlistEntry, WaitlistStatus
from reservation_db.models.reservation import ReservationStatus
from sqlalchemy import Select, func, select, tuple_
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.fairuse import rules as fairuse
from reservation_be.fairuse.schemas import WaitlistJoin, WaitlistRead
from reservation_be.kit import audit
from reservation_be.kit.errors import (
    Conflict,
    FieldError,
    NotFound,
    ReservationError,
    UnprocessableEntity,
)
from reservation_be.kit.notifications import notify
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations import booking, rules
from reservation_be.reservations import repository as reservations_repository
from reservation_be.reservations import service as reservations
from reservation_be.reservations.schemas import ReservationCreate
from reservation_be.reservations.transitions import HOLDS_SLOTS, transition
from reservation_be.resources import availability

log = logging.getLogger(__name__)
W = WaitlistStatus
OPEN = (W.WAITING.value, W.OFFERED.value, W.BOOKED.value)
CONFIRM_WITHIN = timedelta(minutes=30)
UNCONFIRMED = "not confirmed from the waitlist in time"


class WaitlistEntryNotFound(NotFound):
    slug, title = "waitlist-entry-not-found", "Waitlist entry not found"


class PeriodIsFree(Conflict):
    slug, title = "period-free", "The period is free: book it"


class AlreadyWaiting(Conflict):
    slug, title = "already-waiting", "You already wait for this period"


class NothingToConfirm(Conflict):
    slug, title = "nothing-to-confirm", "The entry has no booking to confirm"


def _period(entry: WaitlistEntry) -> tuple[datetime, datetime]:
    start, end = entry.period.lower, entry.period.upper
    assert start is not None and end is not None
    return start, end


def _positions_of(ids: list[uuid.UUID]) -> Select[uuid.UUID, int]:
    """Each waiting entry's place in line: 1 + the open entries ahead of it (made earlier, the
    id breaking ties) for an overlapping period of the same resource. One statement for any
    number of entries; served entries have no place (absent from the answer)."""
    ahead = aliased(WaitlistEntry)
    return (
        select(WaitlistEntry.id, func.count(ahead.id) + 1)
        .outerjoin(
            ahead,
            (ahead.resource_id == WaitlistEntry.resource_id)
            & ahead.status.in_(OPEN)
            & ahead.period.overlaps(WaitlistEntry.period)
            & (
                tuple_(ahead.created_at, ahead.id)
                < tuple_(WaitlistEntry.created_at, WaitlistEntry.id)
            ),
        )
        .where(WaitlistEntry.id.in_(ids), WaitlistEntry.status == W.WAITING.value)
        .group_by(WaitlistEntry.id)
    )


async def positions(
    session: AsyncSession, entries: Sequence[WaitlistEntry]
) -> dict[uuid.UUID, int]:
    waiting = [e.id for e in entries if e.status == W.WAITING.value]
    if not waiting:
        return {}
    rows = await session.execute(_positions_of(waiting))
    return {entry_id: int(place) for entry_id, place in rows}


async def position(session: AsyncSession, entry: WaitlistEntry) -> int | None:
    """1 for the first in line for an overlapping period of the resource; None once served."""
    return (await positions(session, [entry])).get(entry.id)


def _read(entry: WaitlistEntry, place: int | None) -> WaitlistRead:
    start, end = _period(entry)
    return WaitlistRead(
        id=entry.id,
        site_id=entry.site_id,
        resource_id=entry.resource_id,
        user_id=entry.user_id,
        title=entry.title,
        start=start,
        end=end,
        auto_book=entry.auto_book,
        quantity=entry.quantity,
        status=W(entry.status),
        position=place,
        expires_at=entry.expires_at,
        confirm_by=entry.confirm_by,
        reservation_id=entry.reservation_id,
        created_at=entry.created_at,
    )


async def read(session: AsyncSession, entry: WaitlistEntry) -> WaitlistRead:
    return _read(entry, await position(session, entry))


async def read_many(session: AsyncSession, entries: Sequence[WaitlistEntry]) -> list[WaitlistRead]:
    """Entries with their places in line, read in one statement (not one per entry)."""
    places = await positions(session, entries)
    return [_read(e, places.get(e.id)) for e in entries]


async def join(
    session: AsyncSession, actor: Actor, resource_id: uuid.UUID, body: WaitlistJoin
) -> WaitlistEntry:
    """Wait for [start, end) of a resource that is busy then (409 when it is free: book it)."""
    resource = await session.get(Resource, resource_id)
    not_found = NotFound(f"No resource {resource_id}.")
    if resource is None:
        raise not_found
    await policy.authorize_object(
        session, actor, resource.site_id, Action.RESERVATION_CREATE, not_found=not_found
    )
    now = datetime.now(UTC)
    if body.start <= now:
        raise UnprocessableEntity(
            "The period must start in the future.",
            errors=[FieldError(loc=["body", "start"], msg="must be in the future", type="period")],
        )
    expires_at = body.expires_at or body.start
    if not now < expires_at <= body.start:
        raise UnprocessableEntity(
            "expires_at must be in the future and not after the start.",
            errors=[FieldError(loc=["body", "expires_at"], msg="out of range", type="period")],
        )
    period = Range(body.start, body.end, bounds="[)")
    capacity, free = await _units_free(session, resource_id, period)
    rules.check_quantity(body.quantity, capacity, resource_name=resource.name)
    if free >= body.quantity:
        raise PeriodIsFree(
            "Nothing holds this period now: book it instead."
            if capacity == 1
            else f"{free} of {capacity} units are free over this period now: book them instead."
        )
    mine = await session.execute(
        select(func.count()).where(
            WaitlistEntry.resource_id == resource_id,
            WaitlistEntry.user_id == actor.user_id,
            WaitlistEntry.status.in_(OPEN),
            WaitlistEntry.period.overlaps(period),
        )
    )
    if mine.scalar_one():
        raise AlreadyWaiting("You already wait for an overlapping period of this resource.")
    entry = WaitlistEntry(
        site_id=resource.site_id,
        resource_id=resource_id,
        user_id=actor.user_id,
        title=body.title,
        period=period,
        auto_book=body.auto_book,
        quantity=body.quantity,
        status=W.WAITING.value,
        expires_at=expires_at,
    )
    session.add(entry)
    await session.flush()
    await session.refresh(entry)
    await audit.record(
        session, actor, resource.site_id, "waitlist", entry.id, "created",
        after=await read(session, entry),
    )  # fmt: skip
    return entry


async def _units_free(
    session: AsyncSession, resource_id: uuid.UUID, period: Range[datetime]
) -> tuple[int, int]:
    """(capacity, the fewest units a booking of the resource could take at one instant of
    ``period``): 0 while a resource below it is held, 1 or 0 for an ordinary resource."""
    assert period.lower is not None and period.upper is not None
    capacity, spans = await availability.free_units(
        session, resource_id, start=period.lower, end=period.upper
    )
    return capacity, min((free for _, _, free in spans), default=capacity)


async def mine(session: AsyncSession, actor: Actor) -> list[WaitlistEntry]:
    policy.require_user(actor)
    rows = await session.execute(
        select(WaitlistEntry)
        .where(WaitlistEntry.user_id == actor.user_id)
        .order_by(WaitlistEntry.created_at.desc())
        .limit(200)
    )
    return list(rows.scalars().all())


async def _own_entry(
    session: AsyncSession, actor: Actor, entry_id: uuid.UUID, action: Action
) -> WaitlistEntry:
    entry = (
        await session.execute(
            select(WaitlistEntry).where(WaitlistEntry.id == entry_id).with_for_update()
        )
    ).scalar_one_or_none()
    not_found = WaitlistEntryNotFound(f"No waitlist entry {entry_id}.")
    if entry is None:
        raise not_found
    await policy.authorize_object(
        session,
        actor,
        entry.site_id,
        action,
        not_found=not_found,
        owner_id=entry.user_id,
        readers=Action.RESERVATION_READ,
    )
    return entry


async def leave(session: AsyncSession, actor: Actor, entry_id: uuid.UUID) -> None:
    """Leave the line (the member or a site admin); a booking made from it stays."""
    entry = await _own_entry(session, actor, entry_id, Action.RESERVATION_CANCEL)
    if entry.status in OPEN:
        entry.status = W.CANCELLED.value
        await session.flush()


async def confirm(session: AsyncSession, actor: Actor, entry_id: uuid.UUID) -> WaitlistEntry:
    """The member keeps the booking made for them (before ``confirm_by``)."""
    entry = await _own_entry(session, actor, entry_id, Action.RESERVATION_CHECK_IN)
    if entry.status != W.BOOKED.value:
        raise NothingToConfirm(f"The entry is {entry.status}: there is no booking to confirm.")
    entry.status = W.CONFIRMED.value
    await session.flush()
    return entry


# ---------------------------------------------------------------------------------------------
# The pass


async def offer_pass(session: AsyncSession, *, now: datetime, batch: int = 100) -> int:
    """Expire, then offer freed periods in line order; returns how many entries changed."""
    changed = 0
    due = await session.execute(
        select(WaitlistEntry)
        .where(WaitlistEntry.status.in_(OPEN))
        .order_by(WaitlistEntry.created_at, WaitlistEntry.id)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    entries = list(due.scalars().all())
    # The quota locks of every member this pass may book for, before its first booking takes
    # a resource lock: the order of every booking path, so a member booking meanwhile never
    # waits on the pass in a cycle (fairuse/rules.py).
    await fairuse.lock_quotas_of(
        session,
        [(e.site_id, e.user_id) for e in entries if e.auto_book and e.status == W.WAITING.value],
    )
    blocking: list[WaitlistEntry] = []
    for entry in entries:
        start, _ = _period(entry)
        if entry.status == W.BOOKED.value:
            if entry.confirm_by is not None and entry.confirm_by <= now:
                await _cancel_unconfirmed(session, entry)
                entry.status = W.EXPIRED.value
                changed += 1
            continue
        if entry.status == W.OFFERED.value:
            if entry.confirm_by is not None and entry.confirm_by <= now:
                entry.status = W.EXPIRED.value
                changed += 1
            else:
                blocking.append(entry)
            continue
        if entry.expires_at <= now or start <= now:
            entry.status = W.EXPIRED.value
            changed += 1
            continue
        # Units offered to someone ahead for an overlapping period stay theirs until confirm_by
        # (for an ordinary resource: any offer ahead blocks).
        offered = sum(
            b.quantity
            for b in blocking
            if b.resource_id == entry.resource_id and b.period.overlaps(entry.period)
        )
        _, free = await _units_free(session, entry.resource_id, entry.period)
        if free - offered < entry.quantity:
            continue
        if await _serve(session, entry, now=now):
            changed += 1
            if entry.status == W.OFFERED.value:
                blocking.append(entry)
    await session.flush()
    return changed


async def _serve(session: AsyncSession, entry: WaitlistEntry, *, now: datetime) -> bool:
    start, end = _period(entry)
    confirm_by = min(now + CONFIRM_WITHIN, start)
    user = await session.get(User, entry.user_id)
    link = [{"rel": "waitlist", "href": "/api/v1/me/waitlist"}]
    if entry.auto_book and user is not None:
        member = Actor(user_id=user.id, username=user.username, email=user.email)
        try:
            made = await booking.create(
                session,
                member,
                ReservationCreate(
                    resource_id=entry.resource_id,
                    title=entry.title,
                    start=start,
                    end=end,
                    quantity=entry.quantity,
                ),
                savepoint=True,
            )
        except ReservationError as exc:
            # Still taken (widened by the type's lead time), or a rule or quota refuses it
            # now: the entry keeps its place.
            log.info("waitlist entry %s not booked: %s", entry.id, exc.detail)
            return False
        entry.status = W.BOOKED.value
        entry.reservation_id = made.id
        entry.confirm_by = confirm_by
        message = (
            f"{entry.title!r} was booked for you from the waitlist; confirm it by "
            f"{confirm_by.isoformat()} or it is released."
        )
    else:
        entry.status = W.OFFERED.value
        entry.confirm_by = confirm_by
        message = (
            f"The period you wait for ({entry.title!r}) is free: book it by "
            f"{confirm_by.isoformat()}, then the next in line is told."
        )
    params = {
        "title": entry.title,
        "confirm_by": confirm_by.isoformat(),
        "booked": entry.status == W.BOOKED.value,
    }
    await notify(session, entry.user_id, "waitlist.offered", message, link, params=params)
    return True


async def _cancel_unconfirmed(session: AsyncSession, entry: WaitlistEntry) -> None:
    if entry.reservation_id is None:
        return
    reservation = await reservations_repository.get_for_update(session, entry.reservation_id)
    if reservation is None or ReservationStatus(reservation.status) not in HOLDS_SLOTS:
        return
    if reservation.status == ReservationStatus.ACTIVE.value:
        return  # it started: it is theirs
    site = await session.get(Site, reservation.site_id)
    assert site is not None
    ctx = SiteContext(actor=Actor(user_id=reservation.owner_id, username=""), site=site, role=None)
    before = reservations.to_read(reservation)
    previous = transition(reservation, ReservationStatus.CANCELLED)
    reservation.status_reason = UNCONFIRMED
    await session.flush()
    await reservations_repository.delete_slots(session, reservation.id)
    await reservations._announce(
        session, None, ctx, reservation, EventType.RESERVATION_CANCELLED, before=before,
        previous_status=previous.value, cause=Cause.UNCONFIRMED,
    )  # fmt: skip


class WaitlistWorker:
    """Runs :func:`offer_pass` every ``interval``, one transaction per pass."""

    def __init__(
        self, *, sessionmaker: async_sessionmaker[AsyncSession], interval: timedelta
    ) -> None:
        self._sessionmaker = sessionmaker
        self._interval = interval.total_seconds()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run_once(self) -> int:
        async with self._sessionmaker() as session, session.begin():
            return await offer_pass(session, now=datetime.now(UTC))

    async def run(self) -> None:
        await run_service_loop(
            self._step,
            name="waitlist pass",
            logger=log,
            stopping=self._stopping,
            retry_on=(),
            backoff=backoff_wait(self._interval, jitter=0),
            catch_all=True,
        )

    async def _step(self) -> float:
        await self.run_once()
        return self._interval
