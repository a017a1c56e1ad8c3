"""``POST /api/v1/reservations`` without FastAPI's router and dependency solving.

On every request FastAPI walks its nested routers and solves the booking route's dependency
tree (session, bearer scheme, principal, actor, idempotency key, limits): about a quarter of
the API's CPU per booking (``bench/profile_booking.py``). This ASGI layer, the innermost
middleware, answers the common booking request with the same code the route runs, in the same
order: the body read and validated first, then the same token check and rate limit, the same
users-row sync, the same ``booking.create`` in one transaction committed before the answer, the
same answer and the same problem+json for a refusal (``kit.errors``).

Everything else goes to the route exactly as it came (the body replayed), so FastAPI keeps
deciding every answer this layer would have to imitate:

* another method or path, or a body without ``Content-Length`` or not ``application/json``;
* no ``Authorization: Bearer <token>`` header (the route answers 401);
* an ``Idempotency-Key`` header (the route claims and replays keys);
* a body that is not JSON or does not validate (the route answers 422 with FastAPI's errors).

The route stays declared as it is: the OpenAPI document, its examples and the contract tests
describe both.

Bookings take turns (``turns.py``, which says why): the lane holds one from the users-row sync
to the answer's body (the token and the rate limit are checked before), and the bookings it
sends on to the route hold one around the route.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, NamedTuple

from fastapi.security.utils import get_authorization_scheme_param
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reservation_be.api import API_PREFIX
from reservation_be.auth.dependencies import actor_of, enforce_rate_limit, verify_token
from reservation_be.kit import driver
from reservation_be.kit.errors import ReservationError, ServiceUnavailable, render_problem
from reservation_be.reservations import booking
from reservation_be.reservations.endpoints import created_headers, created_response
from reservation_be.reservations.schemas import ReservationCreate
from reservation_be.reservations.turns import BookingTurns
from reservation_be.settings import Settings

PATH = f"{API_PREFIX}/reservations"
_BODY: TypeAdapter[ReservationCreate] = TypeAdapter(ReservationCreate)


class _Route(NamedTuple):
    """What the access log and the metrics read off ``scope["route"]``."""

    path: str
    path_format: str


_ROUTE = _Route(PATH, PATH)


class BookingFastLane:
    """``turns``: the process's booking turns (``turns.py``), taken by the lane's bookings and
    by those it sends on to the route (an idempotency key, a body the route must judge); the
    next wait their turn (first come, first served), then get a 503. Reads and every other
    request never wait here."""

    def __init__(self, app: ASGIApp, *, turns: BookingTurns) -> None:
        self.app = app
        self.turns = turns

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] != "POST"
            or scope.get("root_path")
        ):
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            headers.setdefault(name, value)
        media = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        scheme, token = get_authorization_scheme_param(
            headers.get(b"authorization", b"").decode("latin-1")
        )
        if scheme.lower() != "bearer" or not token:
            await self.app(scope, receive, send)  # the route's 401
            return
        if (
            media != b"application/json"
            or b"content-length" not in headers
            or b"idempotency-key" in headers
        ):
            await self._route_in_turn(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            raw = await request.body()
        except StarletteHTTPException as exc:  # over the body size limit
            await (await render_problem(request, exc))(scope, receive, send)
            return
        try:
            body = _BODY.validate_python(json.loads(raw))
        except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
            await self.app(scope, _replay(raw, receive), send)
            return
        scope["route"] = _ROUTE
        try:
            response = await _book(request, token, body, self.turns.turn)
        except ReservationError as exc:
            response = await render_problem(request, exc)
        await response(scope, receive, send)

    async def _route_in_turn(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The route books (claiming or replaying an idempotency key) in a turn, like the
        lane's bookings; its own checks run in that turn."""
        try:
            await self.turns.acquire()
        except ServiceUnavailable as exc:
            await (await render_problem(Request(scope, receive), exc))(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.turns.release()


async def _book(
    request: Request,
    token: str,
    body: ReservationCreate,
    turn: Callable[[], AbstractAsyncContextManager[None]],
) -> Any:
    """What the route's dependencies and the route do, in their order. Only the work in the
    database waits for a ``turn``: a request refused for its token or its rate never does."""
    principal = await verify_token(request, token)
    enforce_rate_limit(request, principal)
    settings: Settings = request.app.state.settings
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with turn(), sessionmaker() as session:
        try:
            actor = await actor_of(request, session, principal)
            async with driver.pinned(session):
                booked = await booking.book(
                    session, actor, body, limits=settings.booking_limits, alone=True
                )
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()
        reservation = booked.reservation
        return created_response(booked.read, created_headers(reservation.id, reservation.version))


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the route: the body already read, then the connection's messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
