"""``GET /api/v1/events/stream``: the caller's live updates as Server-Sent Events.

Events: ``notification`` (a new notification of the user, ``id`` = its id, so a reconnection
with ``Last-Event-ID`` replays the ones missed) and ``reservation`` (one of the user's
reservations changed: status, provisioning, version); a comment line as heartbeat. The stream
ends when the access token expires; the client reconnects with a fresh one.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent
from reservation_db.models import Notification
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.events_stream.auth import PrincipalDep, install_log_redaction
from reservation_be.events_stream.hub import (
    NOTIFICATIONS,
    Change,
    StreamHub,
    StreamLimitReached,
    Subscription,
)
from reservation_be.events_stream.settings import StreamSettings
from reservation_be.kit.errors import TooManyRequests, problem_responses
from reservation_be.kit.schemas import Schema, UTCDatetime
from reservation_be.notifications import repository as notifications_repository
from reservation_be.settings import Settings
from reservation_be.workers.listener import asyncpg_dsn

router = APIRouter(tags=["events"])
install_log_redaction()


class NotificationEvent(Schema):
    id: uuid.UUID
    kind: str
    message: str
    params: dict[str, Any] = {}
    links: list[dict[str, Any]]
    created_at: UTCDatetime
    read_at: UTCDatetime | None


class ReservationChange(Schema):
    """One of the user's reservations changed (the ``reservation_changes`` NOTIFY's fields)."""

    id: uuid.UUID
    site_id: uuid.UUID
    status: str
    provisioning_state: str | None
    version: int


def _hub(request: Request) -> StreamHub:
    hub: StreamHub | None = getattr(request.app.state, "events_hub", None)
    if hub is None:
        settings: Settings = request.app.state.settings
        hub = StreamHub(asyncpg_dsn(settings.database_url))
        request.app.state.events_hub = hub
    return hub


def _settings(request: Request) -> StreamSettings:
    options: StreamSettings = request.app.state.events_stream_settings  # built by create_app
    return options


def _notification_event(note: Notification) -> ServerSentEvent:
    return ServerSentEvent(
        event="notification", data=NotificationEvent.model_validate(note), id=str(note.id)
    )


async def _missed(
    sm: async_sessionmaker[AsyncSession], user_id: str, last_id: str | None, limit: int
) -> list[Notification]:
    try:
        last = uuid.UUID(last_id) if last_id else None
    except ValueError:
        return []
    if last is None:
        return []
    async with sm() as session:
        return await notifications_repository.after(session, user_id, last, limit=limit)


async def _render(sm: async_sessionmaker[AsyncSession], change: Change) -> ServerSentEvent | None:
    if change.channel == NOTIFICATIONS:
        async with sm() as session:
            note = await notifications_repository.by_id(
                session, uuid.UUID(str(change.payload["id"]))
            )
        return _notification_event(note) if note is not None else None
    return ServerSentEvent(
        event="reservation", data=ReservationChange.model_validate(change.payload)
    )


async def _events(
    sm: async_sessionmaker[AsyncSession],
    sub: Subscription,
    options: StreamSettings,
    ends_at: float | None,
    last_event_id: str | None,
) -> AsyncIterator[ServerSentEvent]:
    heartbeat = options.heartbeat.total_seconds()
    yield ServerSentEvent(retry=int(options.retry.total_seconds() * 1000), comment="connected")
    for note in await _missed(sm, sub.user_id, last_event_id, options.replay_limit):
        yield _notification_event(note)
    while not sub.overflowed:
        wait = heartbeat
        if ends_at is not None:
            wait = min(wait, ends_at - time.time())
            if wait <= 0:
                return  # token expired or duration reached: the client reconnects
        try:
            change = await asyncio.wait_for(sub.queue.get(), wait)
        except TimeoutError:
            yield ServerSentEvent(comment="keep-alive")
            continue
        event = await _render(sm, change)
        if event is not None:
            yield event


@dataclass(frozen=True, slots=True)
class _Opening:
    actor: Actor
    ends_at: float | None
    last_event_id: str | None


async def _opening(
    request: Request,
    principal: PrincipalDep,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
    duration: Annotated[
        float | None,
        Query(ge=0, le=86400, description="Close the stream after this many seconds"),
    ] = None,
) -> _Opening:
    """Who opens the stream and until when, checked before it starts: a refusal is a problem
    document, not a stream."""
    actor = Actor.from_principal(principal)
    policy.require_user(actor)
    options = _settings(request)
    if _hub(request).streams_of(actor.user_id) >= options.max_streams_per_user:
        raise TooManyRequests(
            f"At most {options.max_streams_per_user} live-update streams per user may be open "
            "at once; close one first.",
            headers={"Retry-After": str(max(1, int(options.retry.total_seconds())))},
        )
    exp = principal.claims.get("exp")
    ends = [float(exp)] if isinstance(exp, int | float) else []
    if duration is not None:
        ends.append(time.time() + duration)
    return _Opening(actor, min(ends, default=None), last_event_id)


@router.get(
    "/events/stream",
    response_class=EventSourceResponse,
    # An endless text/event-stream: documented in docs/, not a request/response operation.
    include_in_schema=False,
    responses=problem_responses(401, 403, 429),
)
async def event_stream(
    request: Request, opening: Annotated[_Opening, Depends(_opening)]
) -> AsyncIterator[ServerSentEvent]:
    """The caller's notifications and reservation changes, as Server-Sent Events."""
    sm: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    options = _settings(request)
    try:
        async with _hub(request).subscribe(
            opening.actor.user_id, limit=options.max_streams_per_user
        ) as sub:
            async for event in _events(sm, sub, options, opening.ends_at, opening.last_event_id):
                yield event
    except StreamLimitReached:
        # Another stream of the user opened after the check: end this one at once.
        yield ServerSentEvent(comment="too many open streams")
