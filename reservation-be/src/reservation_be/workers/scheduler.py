"""Lifecycle scheduler: reconciliation of reservations with the clock, not time windows.

For every reservation the next lifecycle event and the time it is due follow from its columns
and the ledger (:mod:`reservation_be.workers.lifecycle`):

=============  ===========================  ====================================================
next stage     due at                        applies when
=============  ===========================  ====================================================
starting       start - type's lead time      confirmed or active, nothing emitted yet
started        start                         confirmed (-> active) or active
ending_soon    end - ENDING_SOON_BEFORE      active (skipped when the end has already passed)
ended          end                           active (-> completed)
ended          at once (last change)         cancelled/failed/completed after ``starting``
=============  ===========================  ====================================================

A pass selects due reservations ``FOR UPDATE SKIP LOCKED`` (replicas share the work, and the
booking service's row lock orders a cancellation before or after a pass), advances each by one
stage, writes its event to the outbox and the ledger in the same transaction, and commits. So
every event leaves exactly once, after a restart too, and an outage is caught up in order, each
late event saying when it was due and how late it is. Between passes the loop sleeps until the
next due time, or until a reservation changes (NOTIFY ``reservation_changes``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reservation_common.events import make_event
from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_be.auth.actor import Actor
from reservation_be.kit import audit, outbox
from reservation_be.kit.notifications import notify
from reservation_be.models import Site
from reservation_be.models.reservation import Reservation, ReservationStatus
from reservation_be.models.resource import Resource
from reservation_be.models.resource_type import ResourceType
from reservation_be.policy import SiteContext
from reservation_be.reservations.service import event_data, to_read
from reservation_be.reservations.transitions import transition
from reservation_be.workers.lifecycle import Stage, reservation_lifecycle
from reservation_be.workers.listener import PgListener

log = logging.getLogger(__name__)

CHANGES_CHANNEL = "reservation_changes"
S = ReservationStatus

# The scheduler acts as the system: no person, never a service account of a client.
SYSTEM = Actor(user_id="system:scheduler", username="scheduler")

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Due:
    reservation: Reservation
    stage: Stage
    due_at: datetime


class _Plan:
    """The SQL expressions of the table in the module docstring."""

    def __init__(self, ending_soon_before: timedelta) -> None:
        done = func.coalesce(reservation_lifecycle.c.stage, Stage.NONE)
        start, end = func.lower(Reservation.period), func.upper(Reservation.period)
        live = Reservation.status.in_([S.CONFIRMED.value, S.ACTIVE.value])
        active = Reservation.status == S.ACTIVE.value
        gone = Reservation.status.in_([S.CANCELLED.value, S.FAILED.value, S.COMPLETED.value])
        # Booked (or moved) inside the lead time: due from the booking, not late.
        since = func.greatest
        rows: list[tuple[ColumnElement[bool], Stage, Any]] = [
            (
                and_(live, done < Stage.STARTING),
                Stage.STARTING,
                since(start - ResourceType.lead_time, Reservation.created_at),
            ),
            (and_(live, done < Stage.STARTED), Stage.STARTED, since(start, Reservation.created_at)),
            (
                and_(active, done < Stage.ENDING_SOON),
                Stage.ENDING_SOON,
                since(end - literal(ending_soon_before), start),
            ),
            (and_(active, done < Stage.ENDED), Stage.ENDED, end),
            (
                and_(gone, done.between(Stage.STARTING, Stage.ENDING_SOON)),
                Stage.ENDED,
                Reservation.updated_at,
            ),
        ]
        self.stage = case(*((cond, literal(int(stg))) for cond, stg, _ in rows), else_=None)
        self.due_at = case(*((cond, due) for cond, _, due in rows), else_=None)
        # Only what can still move: live reservations, and ended ones not yet torn down.
        self.candidates = or_(
            live,
            Reservation.id.in_(
                select(reservation_lifecycle.c.reservation_id).where(
                    reservation_lifecycle.c.stage.between(Stage.STARTING, Stage.ENDING_SOON)
                )
            ),
        )

    def select_due(self, now: datetime, limit: int) -> Any:
        return (
            self._base(select(Reservation, self.stage.label("stage"), self.due_at.label("due")))
            .where(self.due_at <= now)
            .order_by(self.due_at)
            .limit(limit)
            .with_for_update(of=Reservation, skip_locked=True)
        )

    def select_next_due(self) -> Any:
        return self._base(select(func.min(self.due_at)))

    def _base(self, stmt: Any) -> Any:
        return (
            stmt.join(Resource, Resource.id == Reservation.resource_id)
            .join(ResourceType, ResourceType.id == Resource.type_id)
            .outerjoin(
                reservation_lifecycle,
                reservation_lifecycle.c.reservation_id == Reservation.id,
            )
            .where(self.candidates)
            .where(self.due_at.is_not(None))
        )


class LifecycleScheduler:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        ending_soon_before: timedelta = timedelta(minutes=15),
        listen_dsn: str | None = None,
        batch: int = 100,
        max_sleep: timedelta = timedelta(seconds=30),
        clock: Clock = _utcnow,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._plan = _Plan(ending_soon_before)
        self._batch = batch
        self._max_sleep = max_sleep.total_seconds()
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener = (
            PgListener(
                listen_dsn,
                [CHANGES_CHANNEL],
                on_notify=lambda _channel, _payload: self.wake(),
                on_connect=self.wake,
            )
            if listen_dsn is not None
            else None
        )
        self.emitted = 0  # lifecycle events written by this scheduler

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._listener is not None:
            self._listener.stop()

    @property
    def listening(self) -> asyncio.Event | None:
        return self._listener.connected if self._listener is not None else None

    async def run(self) -> None:
        listening = (
            asyncio.create_task(self._listener.run(), name="lifecycle-listen")
            if self._listener is not None
            else None
        )
        try:
            while not self._stopping.is_set():
                self._wakeup.clear()
                try:
                    await self.run_once()
                    sleep = await self._seconds_to_next_due()
                except SQLAlchemyError as exc:
                    log.warning("lifecycle pass failed, retrying: %s", exc)
                    sleep = 1.0
                except Exception:  # the loop must outlive any surprise; it retries
                    log.exception("lifecycle pass failed, retrying")
                    sleep = 1.0
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), sleep)
        finally:
            if listening is not None:
                listening.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listening

    async def _seconds_to_next_due(self) -> float:
        async with self._sessionmaker() as session:
            next_due = (await session.execute(self._plan.select_next_due())).scalar_one_or_none()
        if next_due is None:
            return self._max_sleep
        seconds = (next_due - self._clock()).total_seconds()
        # Still due: another replica holds it; look again shortly instead of spinning.
        return min(self._max_sleep, max(seconds, 0.0) + 0.005) if seconds > 0 else 0.5

    async def run_once(self) -> int:
        """Emit everything due now; returns how many events were written."""
        total = 0
        for _ in range(10_000):  # bounded: every pass advances a stage or ends the loop
            advanced, emitted = await self._pass()
            total += emitted
            if advanced == 0:
                break
        return total

    async def _pass(self) -> tuple[int, int]:
        """One transaction: returns (reservations advanced, events written)."""
        now = self._clock()
        emitted = 0
        advanced = 0
        async with self._sessionmaker() as session, session.begin():
            rows = (await session.execute(self._plan.select_due(now, self._batch))).all()
            for reservation, stage, due_at in rows:
                try:
                    # A savepoint each: one reservation that cannot advance holds no other back.
                    async with session.begin_nested():
                        due = Due(reservation, Stage(stage), due_at)
                        emitted += await self._advance(session, due, now)
                except Exception:
                    log.exception(
                        "reservation %s cannot advance to %s; retried on the next pass",
                        reservation.id,
                        Stage(stage).name.lower(),
                    )
                    continue
                advanced += 1
        self.emitted += emitted
        return advanced, emitted

    async def _advance(self, session: AsyncSession, due: Due, now: datetime) -> bool:
        """Record the stage and write its event; False when the stage is skipped."""
        reservation, stage = due.reservation, due.stage
        end = reservation.period.upper
        assert end is not None
        await _record_stage(session, reservation, stage)
        if stage is Stage.ENDING_SOON and end <= now:
            return False  # it ended meanwhile: "ended" follows, nothing is "ending soon"
        before = to_read(reservation)
        previous: ReservationStatus | None = None
        target = {Stage.STARTED: S.ACTIVE, Stage.ENDED: S.COMPLETED}.get(stage)
        live = reservation.status in (S.CONFIRMED.value, S.ACTIVE.value)
        if target is not None and live and reservation.status != target.value:
            previous = transition(reservation, target)
            await session.flush()
            await session.refresh(reservation)
        site = await session.get(Site, reservation.site_id)
        assert site is not None
        ctx = SiteContext(actor=SYSTEM, site=site, role=None)
        data = await event_data(
            session,
            reservation,
            ctx=ctx,
            previous_status=previous.value if previous else None,
        )
        lateness = max(0.0, (now - due.due_at).total_seconds())
        data = data.model_copy(update={"due_at": due.due_at, "lateness_seconds": lateness})
        await outbox.enqueue(session, make_event(stage.event_type, data))
        if previous is not None:
            await audit.record(
                session,
                None,
                reservation.site_id,
                "reservation",
                reservation.id,
                stage.event_type.value.split(".", 1)[1],
                before=before,
                after=to_read(reservation),
            )
        message = _MESSAGES.get(stage)
        if message is not None:
            await notify(
                session,
                reservation.owner_id,
                stage.event_type.value,
                message.format(title=reservation.title, resource=data.resource.name),
                [{"rel": "reservation", "href": f"/api/v1/reservations/{reservation.id}"}],
            )
        log.info(
            "lifecycle event",
            extra={
                "event_type": stage.event_type.value,
                "reservation_id": str(reservation.id),
                "lateness_seconds": round(lateness, 3),
            },
        )
        return True


_MESSAGES = {
    Stage.STARTED: "Reservation {title!r} on {resource} has started.",
    Stage.ENDING_SOON: "Reservation {title!r} on {resource} ends soon.",
    Stage.ENDED: "Reservation {title!r} on {resource} has ended.",
}


async def _record_stage(session: AsyncSession, reservation: Reservation, stage: Stage) -> None:
    stmt = insert(reservation_lifecycle).values(reservation_id=reservation.id, stage=int(stage))
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[reservation_lifecycle.c.reservation_id],
            set_={"stage": stmt.excluded.stage, "updated_at": func.now()},
        )
    )
