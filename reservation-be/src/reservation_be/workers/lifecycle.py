"""The lifecycle steps: the stages of the scheduler's ledger (table ``reservation_lifecycle``,
the last lifecycle event emitted for each reservation) and the steps that change a status
without a stage of their own."""

from __future__ import annotations

from enum import IntEnum

from reservation_common.events import EventType


class Stage(IntEnum):
    """Lifecycle events in the order they are emitted; each at most once per reservation."""

    NONE = 0
    STARTING = 1
    STARTED = 2
    ENDING_SOON = 3
    ENDED = 4

    @property
    def event_type(self) -> EventType:
        return _EVENTS[self]


_EVENTS = {
    Stage.STARTING: EventType.RESERVATION_STARTING,
    Stage.STARTED: EventType.RESERVATION_STARTED,
    Stage.ENDING_SOON: EventType.RESERVATION_ENDING_SOON,
    Stage.ENDED: EventType.RESERVATION_ENDED,
}


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
