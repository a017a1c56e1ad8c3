"""Retention: rows that only record the past are deleted once they are older than their setting.

==========================  ==========================================  =========================
table                       deleted when                                never deleted
==========================  ==========================================  =========================
``outbox``                  published before ``RETENTION_OUTBOX``        an unpublished row
``webhook_deliveries``      finished before ``RETENTION_WEBHOOK_         a pending delivery
                            DELIVERIES`` (with their attempts)
``webhook_attempts``        started before ``RETENTION_WEBHOOK_          an attempt of a pending
                            ATTEMPTS``                                   delivery
``notifications``           created before ``RETENTION_NOTIFICATIONS``   —
``idempotency_keys``        created before ``RETENTION_IDEMPOTENCY_      —
                            KEYS`` (at least the replay window)
==========================  ==========================================  =========================

Each batch is one short transaction: ``DELETE ... WHERE key IN (SELECT ... LIMIT n FOR UPDATE
SKIP LOCKED)``. Replicas running the same pass take disjoint batches, a row another transaction
holds (a delivery being redelivered, an outbox row being published) is skipped, and the
``SELECT ... FOR UPDATE`` re-checks its condition against the row's latest version, so a
delivery put back to ``pending`` while the pass runs is not deleted. A pass deletes at most
``RETENTION_MAX_BATCHES`` batches per table and the next pass continues.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from reservation_common.service_loop import backoff_wait, run_service_loop
from sqlalchemy import Delete
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_be.workers import repository
from reservation_be.workers.metrics import WorkerMetrics

log = logging.getLogger(__name__)

_SPREAD = 0.1  # each wait between passes is the interval ±10 %, so replicas drift apart


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionPolicy:
    outbox: timedelta
    webhook_deliveries: timedelta
    webhook_attempts: timedelta
    notifications: timedelta
    idempotency_keys: timedelta
    mail_queue: timedelta = timedelta(days=30)


class RetentionWorker:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        policy: RetentionPolicy,
        interval: timedelta = timedelta(minutes=10),
        batch: int = 1000,
        max_batches: int = 100,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._policy = policy
        self._interval = interval.total_seconds()
        self._batch = batch
        self._max_batches = max_batches
        self._metrics = metrics or WorkerMetrics()
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """A pass every ``interval`` (with jitter, so replicas drift apart) until ``stop()``."""
        await run_service_loop(
            self._step,
            name="retention pass",
            logger=log,
            stopping=self._stopping,
            retry_on=(SQLAlchemyError, OSError),
            backoff=backoff_wait(self._interval, jitter=_SPREAD),
            catch_all=True,
        )

    async def _step(self) -> float:
        await self.run_once()
        # The same spread after a pass as after a failure.
        return self._interval * random.uniform(1 - _SPREAD, 1 + _SPREAD)

    async def run_once(self) -> dict[str, int]:
        """One pass over every table; returns the rows deleted per table."""
        deleted: dict[str, int] = {}
        for table in repository.RETENTION_TABLES:
            keep = getattr(self._policy, table)
            statement = repository.purge_statement(table, keep=keep, batch=self._batch)
            deleted[table] = await self._purge(table, statement)
        self._metrics.retention_last_pass.set_to_current_time()
        if any(deleted.values()):
            log.info("retention deleted %s", deleted)
        return deleted

    async def _purge(self, table: str, statement: Delete) -> int:
        total = 0
        with self._metrics.retention_duration.labels(table).time():
            for _ in range(self._max_batches):
                if self._stopping.is_set():
                    break
                async with self._sessionmaker() as session, session.begin():
                    count = await repository.delete_batch(session, statement)
                total += count
                self._metrics.retention_deleted.labels(table).inc(count)
                if count < self._batch:
                    break
        return total
