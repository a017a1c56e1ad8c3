"""One LISTEN connection per process, fanned out to the open streams of each user.

The database triggers of migration 0004 send ``user_notifications`` (id, user_id) and
``reservation_changes`` (id, owner_id, status, provisioning_state, version). The hub listens
only while at least one stream is open, so an idle API holds no extra connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from reservation_be.workers.listener import PgListener

log = logging.getLogger(__name__)

NOTIFICATIONS = "user_notifications"
RESERVATIONS = "reservation_changes"
QUEUE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Change:
    channel: str
    payload: dict[str, Any]


class StreamLimitReached(Exception):
    """The user already has the maximum number of open streams in this process."""


class Subscription:
    def __init__(self, hub: StreamHub, user_id: str, limit: int | None) -> None:
        self.hub = hub
        self.user_id = user_id
        self.limit = limit
        self.queue: asyncio.Queue[Change] = asyncio.Queue(QUEUE_SIZE)
        self.overflowed = False

    def offer(self, change: Change) -> None:
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:  # a stalled client: end its stream, it resumes by event id
            self.overflowed = True

    async def __aenter__(self) -> Subscription:
        await self.hub.add(self)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.hub.remove(self)


class StreamHub:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._subscribers: dict[str, set[Subscription]] = defaultdict(set)
        self._listener: PgListener | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def subscribe(self, user_id: str, *, limit: int | None = None) -> Subscription:
        return Subscription(self, user_id, limit)

    @property
    def open_streams(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    def streams_of(self, user_id: str) -> int:
        subs = self._subscribers.get(user_id)
        return len(subs) if subs else 0

    async def add(self, sub: Subscription) -> None:
        # Checked and taken without an await in between: concurrent opens cannot both pass.
        if sub.limit is not None and self.streams_of(sub.user_id) >= sub.limit:
            raise StreamLimitReached(sub.user_id)
        self._subscribers[sub.user_id].add(sub)
        if self._listener is None:
            self._listener = PgListener(
                self._dsn, [NOTIFICATIONS, RESERVATIONS], on_notify=self._dispatch
            )
            task = asyncio.create_task(self._listener.run(), name="events-stream")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # Streams start once LISTEN is active, so nothing committed after the start is missed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listener.connected.wait(), 10)

    def remove(self, sub: Subscription) -> None:
        """Synchronous: it runs while a disconnected stream is being cancelled."""
        subs = self._subscribers.get(sub.user_id)
        if subs is not None:
            subs.discard(sub)
            if not subs:
                del self._subscribers[sub.user_id]
        if not self._subscribers and self._listener is not None:
            self._listener.stop()  # its task closes the connection and ends by itself
            self._listener = None

    def _dispatch(self, channel: str, raw: str) -> None:
        try:
            payload = json.loads(raw)
        except ValueError:
            log.warning("ignoring a malformed notification on %s", channel)
            return
        user_id = payload.get("user_id" if channel == NOTIFICATIONS else "owner_id")
        for sub in list(self._subscribers.get(str(user_id), ())):
            sub.offer(Change(channel, payload))
