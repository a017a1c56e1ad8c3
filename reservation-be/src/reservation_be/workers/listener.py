"""PostgreSQL ``LISTEN`` on a dedicated asyncpg connection, re-established after a loss.

Notifications are hints, never the source of truth: whoever listens also sweeps, and
``on_connect`` runs after every (re)connection so that what was missed meanwhile is picked up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from typing import Any

import asyncpg
from reservation_common.service_loop import backoff_wait, run_service_loop
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

OnNotify = Callable[[str, str], None]


def asyncpg_dsn(database_url: str) -> str:
    """The SQLAlchemy URL (``postgresql+asyncpg://``) as a plain libpq DSN for asyncpg."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class PgListener:
    """Calls ``on_notify(channel, payload)`` for every notification on ``channels``."""

    def __init__(
        self,
        dsn: str,
        channels: Sequence[str],
        *,
        on_notify: OnNotify,
        on_connect: Callable[[], None] | None = None,
        health_interval: float = 30.0,
        max_backoff: float = 30.0,
    ) -> None:
        self._dsn = dsn
        self._channels = tuple(channels)
        self._on_notify = on_notify
        self._on_connect = on_connect
        self._health_interval = health_interval
        self._max_backoff = max_backoff
        self._stopping = asyncio.Event()
        self.connected = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Listen until ``stop()``, reconnecting with back-off whenever the connection is lost."""
        await run_service_loop(
            self._listen_step,
            name="LISTEN connection",
            logger=log,
            stopping=self._stopping,
            retry_on=(OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError),
            backoff=backoff_wait(0.2, self._max_backoff),
            after_step=self.connected.clear,
        )

    async def _listen_step(self) -> float:
        await self._listen_once()
        return 0.2  # closed without an error: connect again soon

    def _deliver(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        try:
            self._on_notify(channel, payload)
        except Exception:  # a bad subscriber must not kill the shared connection
            log.exception("notification handler failed on %s", channel)

    async def _listen_once(self) -> None:
        conn: asyncpg.Connection[Any] = await asyncpg.connect(
            self._dsn, timeout=10, server_settings={"application_name": "reservation-be-listen"}
        )
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _c: lost.set())
        try:
            for channel in self._channels:
                await conn.add_listener(channel, self._deliver)
            self.connected.set()
            if self._on_connect is not None:
                self._on_connect()
            while not self._stopping.is_set():
                stop_wait = asyncio.ensure_future(self._stopping.wait())
                lost_wait = asyncio.ensure_future(lost.wait())
                done, _ = await asyncio.wait(
                    {stop_wait, lost_wait},
                    timeout=self._health_interval,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                stop_wait.cancel()
                lost_wait.cancel()
                if lost.is_set():
                    raise ConnectionError("LISTEN connection lost")
                if not done:  # a silently dead peer shows only when asked something
                    await conn.fetchval("SELECT 1", timeout=5)
        finally:
            self.connected.clear()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 5)
            if not conn.is_closed():
                conn.terminate()


def waking(dsn: str | None, channel: str, wakeup: asyncio.Event) -> PgListener | None:
    """A listener that sets ``wakeup`` on every notification on ``channel`` and after every
    (re)connection (the pass that follows picks up what was missed); none without a DSN."""
    if dsn is None:
        return None
    return PgListener(
        dsn, [channel], on_notify=lambda _channel, _payload: wakeup.set(), on_connect=wakeup.set
    )


@contextlib.asynccontextmanager
async def in_background(
    work: Coroutine[Any, Any, None] | PgListener | None, *, name: str
) -> AsyncIterator[None]:
    """Run ``work`` (a coroutine, or a listener's ``run()``) in a task named ``name`` while the
    block runs, and cancel it after."""
    if isinstance(work, PgListener):
        work = work.run()
    task = asyncio.create_task(work, name=name) if work is not None else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
