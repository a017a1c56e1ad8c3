"""What is due next for each reservation, and when, as SQL: the table in the scheduler's docstring.

One expression gives the next step and one its due time, so the same two drive both the
selection of due work and the single query for the next wake-up.
"""

from __future__ import annotations

from datetime import timedelta
from enum import IntEnum
from typing import Any

from reservation_common.events import EventType
from reservation_db.models.reservation import Reservation, ReservationStatus
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, literal, or_, select

from reservation_be.workers.lifecycle import Stage, reservation_lifecycle

S = ReservationStatus


class Step(IntEnum):
    """The next thing a reservation needs: a lifecycle stage, or the expiry of a request."""

    STARTING = Stage.STARTING
    STARTED = Stage.STARTED
    ENDING_SOON = Stage.ENDING_SOON
    ENDED = Stage.ENDED
    # A pending request whose start came without a decision; no ledger entry (the status says).
    EXPIRE = 9
    # An active booking of a type with a check-in time, not checked in by then: cancelled
    # (cause idle); no ledger entry either, and ``ended`` follows as for any cancellation.
    IDLE = 10

    @property
    def stage(self) -> Stage | None:
        return None if self in (Step.EXPIRE, Step.IDLE) else Stage(self.value)

    @property
    def event_type(self) -> EventType:
        if self is Step.EXPIRE:
            return EventType.RESERVATION_REJECTED
        if self is Step.IDLE:
            return EventType.RESERVATION_CANCELLED
        return Stage(self).event_type


class Plan:
    def __init__(self, ending_soon_before: timedelta) -> None:
        done = func.coalesce(reservation_lifecycle.c.stage, Stage.NONE)
        start, end = func.lower(Reservation.period), func.upper(Reservation.period)
        pending = Reservation.status == S.PENDING.value
        live = Reservation.status.in_([S.CONFIRMED.value, S.ACTIVE.value])
        active = Reservation.status == S.ACTIVE.value
        gone = Reservation.status.in_([S.CANCELLED.value, S.FAILED.value, S.COMPLETED.value])
        # Booked (or moved) inside the lead time: due from the booking, not late.
        since = func.greatest
        rows: list[tuple[ColumnElement[bool], Step, Any]] = [
            (pending, Step.EXPIRE, start),
            (
                and_(live, done < Stage.STARTING),
                Step.STARTING,
                since(start - ResourceType.lead_time, Reservation.created_at),
            ),
            (and_(live, done < Stage.STARTED), Step.STARTED, since(start, Reservation.created_at)),
            # Before ending_soon: applies only when the check-in deadline comes first.
            (
                and_(
                    active,
                    done < Stage.ENDING_SOON,
                    Reservation.checked_in_at.is_(None),
                    ResourceType.checkin_within.is_not(None),
                    start + ResourceType.checkin_within < end - literal(ending_soon_before),
                ),
                Step.IDLE,
                start + ResourceType.checkin_within,
            ),
            (
                and_(active, done < Stage.ENDING_SOON),
                Step.ENDING_SOON,
                since(end - literal(ending_soon_before), start),
            ),
            (and_(active, done < Stage.ENDED), Step.ENDED, end),
            (
                and_(gone, done.between(Stage.STARTING, Stage.ENDING_SOON)),
                Step.ENDED,
                Reservation.updated_at,
            ),
        ]
        self.step = case(*((cond, literal(int(step))) for cond, step, _ in rows), else_=None)
        self.due_at = case(*((cond, due) for cond, _, due in rows), else_=None)
        # Only what can still move: undecided and live reservations, and ended ones not yet
        # torn down.
        self.candidates = or_(
            Reservation.status.in_([S.PENDING.value, S.CONFIRMED.value, S.ACTIVE.value]),
            Reservation.id.in_(
                select(reservation_lifecycle.c.reservation_id).where(
                    reservation_lifecycle.c.stage.between(Stage.STARTING, Stage.ENDING_SOON)
                )
            ),
        )
        # Built once: constructing these costs more than running them. ``select_due`` takes
        # ``now`` and ``limit``: due reservations, oldest due first, locked, skipping rows
        # another replica holds.
        self.select_due = (
            self._base(select(Reservation, self.step.label("step"), self.due_at.label("due")))
            .where(self.due_at <= bindparam("now"))
            .order_by(self.due_at)
            .limit(bindparam("limit"))
            .with_for_update(of=Reservation, skip_locked=True)
        )
        self.select_next_due = self._base(select(func.min(self.due_at)))

    def _base(self, stmt: Select[Any]) -> Select[Any]:
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
