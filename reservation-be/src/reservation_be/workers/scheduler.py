"""Lifecycle scheduler: reconciliation of reservations with the clock, not time windows.

For every reservation the next step and the time it is due follow from its columns and the
ledger (:mod:`reservation_be.workers.lifecycle`), as SQL in ``workers/repository.py`` (``Plan``):

=============  ===========================  ====================================================
next step      due at                        applies when
=============  ===========================  ====================================================
expire         start                         pending (-> rejected, "not approved before start")
starting       start - type's lead time      confirmed or active, nothing emitted yet
started        start                         confirmed (-> active) or active
ending_soon    end - ENDING_SOON_BEFORE      active (after an outage: late, still before ended)
ended          end                           active (-> completed)
ended          at once (last change)         cancelled/failed/completed after ``starting``
=============  ===========================  ====================================================

A pass selects due reservations ``FOR UPDATE SKIP LOCKED`` (replicas share the work, and the
booking service's row lock orders a decision or cancellation before or after a pass), advances
each by one step and commits. Status changes go through the one transition table. The ledger
entry, the status change, the outbox event, the audit entry and the owner's notification are
written in the same transaction, a statement per table for the whole batch, so every event
leaves exactly once, after a restart too, and an outage is caught up in order, each late event
saying when it was due and how late it is. Every lifecycle event of a reservation is emitted
exactly once and in order, however late: integrations may rely on the sequence (an
``ending_soon`` whose end has passed arrives just before its ``ended``, and says so in
``due_at``/``lateness_seconds``); only the owner's "ends soon" notification is left out then,
since the "ended" one follows at once. Each pass ends by reading the next due time (one
query, in its transaction); the loop sleeps until then, or until a reservation changes (NOTIFY
``reservation_changes``). Two steps due at once (``starting`` and ``started`` with no lead
time) go in consecutive passes, so that each event has its own transaction and the outbox
keeps their order.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reservation_common.events import Cause, Event, EventType, make_event
from reservation_common.service_loop import backoff_wait, run_service_loop
from reservation_db.models.reservation import Reservation, ReservationStatus
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_be.kit import audit, notifications, outbox
from reservation_be.kit.notifications import reservation_params
from reservation_be.mail import queue as mail_queue
from reservation_be.mail.context import reservation_context
from reservation_be.mail.kinds import MailKind
from reservation_be.reservations.schemas import ReservationRead
from reservation_be.reservations.service import to_read
from reservation_be.reservations.transitions import TERMINAL, releases_slots, transition
from reservation_be.workers import repository
from reservation_be.workers.lifecycle import Step
from reservation_be.workers.listener import in_background, waking
from reservation_be.workers.metrics import WorkerMetrics
from reservation_be.workers.payloads import Payloads

log = logging.getLogger(__name__)

CHANGES_CHANNEL = "reservation_changes"
S = ReservationStatus
NOT_APPROVED = "not approved before start"
NOT_CHECKED_IN = "not checked in in time"

# The status a step leads to (when the reservation is not there yet, nor terminal).
_TARGETS = {
    Step.STARTED: S.ACTIVE,
    Step.ENDED: S.COMPLETED,
    Step.EXPIRE: S.REJECTED,
    Step.IDLE: S.CANCELLED,
}
_REASONS = {Step.EXPIRE: NOT_APPROVED, Step.IDLE: NOT_CHECKED_IN}
# Steps that change the status without a lifecycle stage of their own.
_UNSTAGED = (Step.EXPIRE, Step.IDLE)
_MESSAGES = {
    Step.STARTED: "Reservation {title!r} on {resource} has started.",
    Step.ENDING_SOON: "Reservation {title!r} on {resource} ends soon.",
    Step.ENDED: "Reservation {title!r} on {resource} has ended.",
    Step.EXPIRE: "Reservation {title!r} on {resource} was not approved before its start; "
    "it is rejected and the period is free again.",
    Step.IDLE: "Reservation {title!r} on {resource} was not checked in in time; "
    "it is cancelled and the period is free again.",
}

# The notification's ``cause`` param where the event type alone does not say what happened.
_CAUSES = {Step.EXPIRE: "unapproved", Step.IDLE: Cause.IDLE.value}

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Due:
    reservation: Reservation
    step: Step
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Emitted:
    event_type: EventType
    lateness_seconds: float


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
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._plan = repository.Plan(ending_soon_before)
        self._batch = batch
        self._max_sleep = max_sleep.total_seconds()
        self._clock = clock
        self._metrics = metrics or WorkerMetrics()
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener = waking(listen_dsn, CHANGES_CHANNEL, self._wakeup)
        self.emitted = 0  # events written by this scheduler
        self._next_due: datetime | None = None

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
        async with in_background(self._listener, name="lifecycle-listen"):
            await run_service_loop(
                self._step,
                name="lifecycle pass",
                logger=log,
                stopping=self._stopping,
                wakeup=self._wakeup,
                retry_on=(SQLAlchemyError,),
                backoff=backoff_wait(1.0, jitter=0),
                catch_all=True,
            )

    async def _step(self) -> float:
        await self.run_once()
        return self._sleep()

    def _sleep(self) -> float:
        if self._next_due is None:
            return self._max_sleep
        seconds = (self._next_due - self._clock()).total_seconds()
        # Still due: another replica holds it (or it cannot advance); look again shortly.
        return min(self._max_sleep, seconds + 0.002) if seconds > 0 else 0.5

    async def run_once(self) -> int:
        """Emit everything due now; returns how many events were written."""
        total = 0
        for _ in range(10_000):  # bounded: every pass advances a step or ends the loop
            looked_until = self._clock()
            advanced, emitted = await self._pass(looked_until)
            total += emitted
            if self._next_due is None or self._next_due > self._clock():
                break  # nothing due now: sleep until it is
            if advanced == 0 and self._next_due <= looked_until:
                break  # due when the pass looked, yet not taken: held by another replica
            # Otherwise something is due now (the next step of one just advanced, or a due
            # time that passed while the pass ran): look again at once.
        return total

    async def _pass(self, now: datetime) -> tuple[int, int]:
        """One transaction for what is due at ``now``: returns (reservations advanced, events
        written) and leaves the next due time, as this transaction sees it after its changes,
        in ``_next_due``."""
        advanced, emitted = 0, []
        async with self._sessionmaker() as session, session.begin():
            rows = await repository.lock_due(session, self._plan, now=now, limit=self._batch)
            due = [Due(reservation, step, at) for reservation, step, at in rows]
            if due:
                ids = [d.reservation.id for d in due]  # a rolled-back savepoint expires rows
                try:
                    async with session.begin_nested():
                        emitted = await self._advance(session, due, now)
                    advanced = len(due)
                except Exception:
                    log.warning("lifecycle batch failed; advancing one at a time", exc_info=True)
                    advanced, emitted = await self._advance_each(session, ids, due, now)
            self._next_due = await repository.next_due(session, self._plan)
        # Counted once committed: a rolled-back pass emitted nothing.
        self.emitted += len(emitted)
        for item in emitted:
            self._metrics.transitions.labels(item.event_type.value).inc()
            self._metrics.lateness.labels(item.event_type.value).observe(item.lateness_seconds)
        return advanced, len(emitted)

    async def _advance_each(
        self, session: AsyncSession, ids: Sequence[uuid.UUID], due: Sequence[Due], now: datetime
    ) -> tuple[int, list[Emitted]]:
        """A savepoint each: one reservation that cannot advance holds no other back."""
        advanced, emitted = 0, []
        for rid, d in zip(ids, due, strict=True):
            # Read again: a rolled-back savepoint expired every row (the locks stay).
            reservation = await session.get(Reservation, rid, populate_existing=True)
            assert reservation is not None
            try:
                async with session.begin_nested():
                    emitted += await self._advance(
                        session, [Due(reservation, d.step, d.due_at)], now
                    )
            except Exception:
                log.exception(
                    "reservation %s cannot advance to %s; retried on the next pass",
                    rid,
                    d.step.name.lower(),
                )
                continue
            advanced += 1
        return advanced, emitted

    async def _advance(
        self, session: AsyncSession, due: Sequence[Due], now: datetime
    ) -> list[Emitted]:
        """Advance each reservation by its step; returns the events written."""
        stages = [(d.reservation.id, stage) for d in due if (stage := d.step.stage) is not None]
        moved = await repository.record_stages(session, stages)
        todo = [d for d in due if d.step in _UNSTAGED or d.reservation.id in moved]
        if not todo:
            return []
        before: dict[uuid.UUID, ReservationRead] = {}
        previous: dict[uuid.UUID, ReservationStatus] = {}
        for d in todo:
            reservation, target = d.reservation, _TARGETS.get(d.step)
            status = S(reservation.status)
            if target is None or status is target or status in TERMINAL:
                continue
            before[reservation.id] = to_read(reservation)
            previous[reservation.id] = transition(reservation, target)
            if d.step in _REASONS:
                reservation.status_reason = _REASONS[d.step]
        changed = [d.reservation for d in todo if d.reservation.id in previous]
        await repository.write_statuses(session, changed)
        freed = [r.id for r in changed if releases_slots(previous[r.id], S(r.status))]
        await repository.free_slots(session, freed)

        payloads = await Payloads.load(session, [d.reservation for d in todo])
        written = self._clock()  # lateness as of the writing, not of the pass's start
        emitted: list[Emitted] = []
        mails: list[tuple[mail_queue.Recipient, dict[str, Any]]] = []
        events: list[Event] = []
        audit_entries: list[dict[str, Any]] = []
        notes: list[dict[str, Any]] = []
        for d in todo:
            reservation, event_type = d.reservation, d.step.event_type
            lateness = max(0.0, (written - d.due_at).total_seconds())
            was = previous.get(reservation.id)
            data = payloads.data(
                reservation,
                previous_status=was.value if was else None,
                due_at=d.due_at,
                lateness_seconds=lateness,
                cause=Cause.IDLE if d.step is Step.IDLE else None,
            )
            row_id = uuid.uuid4()
            event = make_event(event_type, data, event_id=f"evt_{row_id.hex}")
            events.append(event)
            if was is not None:
                audit_entries.append(
                    audit.entry(
                        None,  # the system
                        reservation.site_id,
                        "reservation",
                        reservation.id,
                        event_type.value.split(".", 1)[1],
                        before=before[reservation.id],
                        after=to_read(reservation),
                    )
                )
            message = _MESSAGES.get(d.step)
            if d.step is Step.ENDING_SOON and _end(reservation) <= now:
                message = None  # a person is told "ended" next, not "ends soon" after the end
            if message is not None:
                href = f"/api/v1/reservations/{reservation.id}"
                note_id = uuid.uuid4()
                if d.step is Step.EXPIRE:
                    mails.append(
                        (
                            mail_queue.Recipient(
                                reservation.owner_id, MailKind.BOOKING_REJECTED, note_id
                            ),
                            reservation_context(
                                data,
                                description=reservation.description,
                                status_reason=reservation.status_reason,
                            ),
                        )
                    )
                note_text = message.format(title=reservation.title, resource=data.resource.name)
                params = reservation_params(
                    reservation, data.resource.name, cause=_CAUSES.get(d.step)
                )
                link = [{"rel": "reservation", "href": href}]
                notes.append(
                    notifications.entry(
                        reservation.owner_id,
                        event_type.value,
                        note_text,
                        link,
                        id=note_id,
                        params=params,
                    )
                )
                # Co-users are told of each step as the owner is.
                notes.extend(
                    notifications.entry(co.id, event_type.value, note_text, link, params=params)
                    for co in data.co_users
                )
            emitted.append(Emitted(event_type, lateness))
            log.info(
                "lifecycle event",
                extra={
                    "event_type": event_type.value,
                    "reservation_id": str(reservation.id),
                    "lateness_seconds": round(lateness, 3),
                },
            )
        # One INSERT per table for the whole batch; the relay is woken once, at commit.
        await outbox.enqueue_many(session, events)
        await audit.record_many(session, audit_entries)
        await notifications.notify_many(session, notes)
        for recipient, context in mails:  # expired ones only: rare
            await mail_queue.enqueue(session, [recipient], context)
        return emitted


def _end(reservation: Reservation) -> datetime:
    end = reservation.period.upper
    assert end is not None
    return end
