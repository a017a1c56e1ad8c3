"""The one table of reservation status changes.

Every status change, by a person (approve, reject, cancel) or by the lifecycle scheduler
(start, complete, fail), goes through :func:`transition`. A change not in the table is refused.
"""

from __future__ import annotations

from reservation_db.models.reservation import Reservation, ReservationStatus

from reservation_be.kit.errors import Conflict

S = ReservationStatus

TRANSITIONS: dict[ReservationStatus, frozenset[ReservationStatus]] = {
    S.PENDING: frozenset({S.CONFIRMED, S.REJECTED, S.CANCELLED, S.FAILED}),
    S.CONFIRMED: frozenset({S.PENDING, S.ACTIVE, S.CANCELLED, S.FAILED}),
    S.ACTIVE: frozenset({S.COMPLETED, S.CANCELLED, S.FAILED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
    S.REJECTED: frozenset(),
    S.FAILED: frozenset(),
}

# Reservations in these states hold their slots; leaving them releases the slots.
HOLDS_SLOTS = frozenset({S.PENDING, S.CONFIRMED, S.ACTIVE})
# A reservation in these states may still be edited (title, period, parameters).
EDITABLE = frozenset({S.PENDING, S.CONFIRMED, S.ACTIVE})
TERMINAL = frozenset(s for s, targets in TRANSITIONS.items() if not targets)


class InvalidTransition(Conflict):
    slug, title = "invalid-transition", "Status change not allowed"


def transition(reservation: Reservation, target: ReservationStatus) -> ReservationStatus:
    """Move ``reservation`` to ``target``; returns the previous status."""
    current = ReservationStatus(reservation.status)
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(f"a {current.value} reservation cannot become {target.value}")
    reservation.status = target.value
    return current


def releases_slots(previous: ReservationStatus, target: ReservationStatus) -> bool:
    return previous in HOLDS_SLOTS and target not in HOLDS_SLOTS and target != S.COMPLETED
