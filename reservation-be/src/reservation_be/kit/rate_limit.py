"""Per-principal request limits, shared by the API replicas through PostgreSQL.

A fixed window (``RATE_LIMIT_WINDOW``) allows ``RATE_LIMIT_REQUESTS`` authenticated requests
per principal (the token's ``sub``), ``RATE_LIMIT_SERVICE_REQUESTS`` for service accounts
(integrations reporting provisioning progress). The decision is taken in memory, so a request
never waits for the database because of the limiter: each process counts its own hits and, every
``RATE_LIMIT_SYNC_INTERVAL``, adds them to ``rate_limit_counters`` in one ``INSERT ... ON
CONFLICT DO UPDATE ... RETURNING`` for all principals it saw, which returns the window's total
over every replica. A process therefore knows the other replicas' hits at most one interval
late: a principal may exceed the limit by what the replicas accept within one interval (about
``replicas x request rate x interval``), never by more. Refused requests are not counted.

Why PostgreSQL and not Redis: PostgreSQL is already the one stateful service every replica
needs, and with the counting in memory and one batched UPSERT per second per replica (on an
UNLOGGED table) the limiter costs the booking path nothing measurable; Redis would be a new
service to run, secure and back up for counters that may be approximate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reservation_db.models import RateLimitCounter
from sqlalchemy import DateTime, Integer, String, bindparam, delete, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = logging.getLogger(__name__)

# One statement text whatever the number of principals: compiled and prepared once.
_UPSERT = text(
    """
    INSERT INTO rate_limit_counters (principal, window_start, hits)
    SELECT principal, :window, hits FROM unnest(:principals, :hits) AS t(principal, hits)
    ON CONFLICT (principal, window_start)
    DO UPDATE SET hits = rate_limit_counters.hits + excluded.hits
    RETURNING principal, hits
    """
).bindparams(
    bindparam("principals", type_=ARRAY(String)),
    bindparam("hits", type_=ARRAY(Integer)),
    bindparam("window", type_=DateTime(timezone=True)),
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request over the limit: retry after this many whole seconds (the window's end)."""

    retry_after: int


class RateLimiter:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        window: timedelta,
        sync_interval: timedelta,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._window = window.total_seconds()
        self._sync_interval = sync_interval.total_seconds()
        self._window_start = 0.0
        self._pending: Counter[str] = Counter()  # hits of this process not yet in PostgreSQL
        self._known: dict[str, int] = {}  # the window's totals as PostgreSQL last returned them
        self._task: asyncio.Task[None] | None = None
        self._sync_lock = asyncio.Lock()
        self._purged_before: datetime | None = None

    def hit(self, principal: str, limit: int) -> Refusal | None:
        """Count one request of ``principal``, or refuse it (``Refusal``) when it already made
        ``limit`` requests in the current window."""
        now = time.time()
        self._roll(now)
        used = self._known.get(principal, 0) + self._pending[principal]
        if used >= limit:
            return Refusal(max(1, math.ceil(self._window_start + self._window - now)))
        self._pending[principal] += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="rate-limit-sync")
        return None

    def _roll(self, now: float) -> None:
        start = now - now % self._window
        if start != self._window_start:
            # Hits of the previous window no longer decide anything: forget them.
            self._window_start = start
            self._pending.clear()
            self._known.clear()

    async def sync(self) -> None:
        """Add this process's hits to the shared counters and learn the totals."""
        async with self._sync_lock:
            pending, self._pending = self._pending, Counter()
            window_start = self._window_start
            if not pending:
                return
            window = datetime.fromtimestamp(window_start, UTC)
            # Sorted, so two replicas upserting the same principals lock rows in one order.
            principals = sorted(pending)
            params = {
                "principals": principals,
                "hits": [pending[p] for p in principals],
                "window": window,
            }
            purge = self._purged_before != window  # older windows: once per window and replica
            try:
                async with self._sessionmaker() as session, session.begin():
                    totals = (await session.execute(_UPSERT, params)).all()
                    if purge:
                        await session.execute(
                            delete(RateLimitCounter).where(RateLimitCounter.window_start < window)
                        )
            except (SQLAlchemyError, OSError) as exc:
                log.warning("rate-limit counters not synced, kept for the next try: %s", exc)
                if window_start == self._window_start:
                    self._pending.update(pending)
                return
            if purge:
                self._purged_before = window
            if window_start != self._window_start:
                return  # the window ended meanwhile
            for principal, total in totals:
                # Hits taken since the batch left are still in _pending and add to this total.
                self._known[principal] = total

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._sync_interval)
            try:
                await self.sync()
            except Exception:  # the loop must outlive any surprise; counts are kept or forgiven
                log.exception("rate-limit sync failed")

    async def aclose(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
