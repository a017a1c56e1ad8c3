"""Booking turns: at most a few requests that write through the booking's exclusion constraint
run at once in a process; the next wait first come, first served, then get a 503.

A booking needs about as much of the process's core as of the database's, so three in flight
keep both busy; more only lengthen the queue every other request (an availability read, a
calendar page) waits in behind them, in the event loop and in PostgreSQL (docs/performance.md,
"Admission of bookings"). ``BOOKING_CONCURRENCY`` is the replica's budget: the worker processes
of ``serve --workers N`` take ``ceil(budget / N)`` turns each (``Settings.booking_turns``).

Who takes a turn, one per request however many reservations it writes:

* a booking, ``POST /api/v1/reservations``, in the booking lane (``fast_lane.py``) or, when the
  lane sends it on (an ``Idempotency-Key``), around the route;
* the other routes that book or re-book slots, through :func:`booking_turn` declared on them:
  a series created or moved, a find-and-book, a reservation moved, extended, shortened or
  given another quantity, a group extended.

Reads, and writes that only release slots or change text (cancel, approve, a new title), never
wait for one. A request waits after its token and its rate limit were checked (a refused one
never waits), before its first statement, so a waiting request holds no connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Depends, Request

from reservation_be.auth.dependencies import PrincipalDep
from reservation_be.kit.errors import ServiceUnavailable, problem_responses
from reservation_be.kit.openapi import RETRY_AFTER

__all__ = ["NO_TURN", "BookingTurns", "booking_turn"]

NO_TURN: dict[int | str, dict[str, Any]] = {
    503: {
        **problem_responses(503)[503],
        "description": "No booking turn within the wait (see the Retry-After header); nothing "
        "was written",
        "headers": RETRY_AFTER,
    }
}
"""``responses=`` entry of an operation that takes a booking turn."""


class BookingTurns:
    """``concurrency`` turns of this process; a request that gets none within ``wait`` seconds
    is refused with a 503 and ``Retry-After: 1``."""

    def __init__(self, *, concurrency: int, wait: float) -> None:
        self._turns = asyncio.Semaphore(concurrency)
        self.wait = wait

    async def acquire(self) -> None:
        try:
            async with asyncio.timeout(self.wait):
                await self._turns.acquire()
        except TimeoutError:
            raise ServiceUnavailable(
                f"Too many bookings are waiting; none got its turn within {self.wait:g} s."
                " Retry later.",
                headers={"Retry-After": "1"},
            ) from None

    def release(self) -> None:
        self._turns.release()

    @contextlib.asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()


def booking_turn(*when_set: str) -> Any:
    """``Depends`` on one of the process's turns, held from before the route's first statement
    until its answer is sent. Declared in the route's ``dependencies=[...]``, which FastAPI
    solves first: it waits after the token and the rate limit (``PrincipalDep``, shared with
    the actor's) and before the users-row sync. With ``when_set``, only when the JSON body sets
    one of those fields to something other than ``null`` or ``false`` (a find that books, a
    change that moves a reservation)."""

    async def turn(request: Request, principal: PrincipalDep) -> AsyncIterator[None]:
        if when_set and not await _sets_any(request, when_set):
            yield
            return
        turns: BookingTurns = request.app.state.booking_turns
        async with turns.turn():
            yield

    return Depends(turn)


async def _sets_any(request: Request, fields: tuple[str, ...]) -> bool:
    try:
        body = await request.json()  # FastAPI read the body before: no second read
    except ValueError:  # not JSON: the route refuses it without writing
        return False
    return isinstance(body, dict) and any(body.get(name) not in (None, False) for name in fields)
