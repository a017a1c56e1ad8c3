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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from reservation_common.service_loop import Backoff, run_service_loop
from reservation_db.models import (
    IdempotencyKey,
    MailMessage,
    Notification,
    OutboxMessage,
    WebhookAttempt,
    WebhookDelivery,
)
from reservation_db.models.webhook_delivery import DeliveryStatus
from sqlalchemy import ColumnElement, Delete, delete, func, literal, select, tuple_
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_be.workers.metrics import WorkerMetrics

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RetentionPolicy:
    outbox: timedelta
    webhook_deliveries: timedelta
    webhook_attempts: timedelta
    notifications: timedelta
    idempotency_keys: timedelta
    mail_queue: timedelta = timedelta(days=30)


# One statement per table: the delete of one batch of rows older than the cutoff.
_Statement = Callable[[ColumnElement[datetime], int], Delete]


def _outbox(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    due = (
        select(OutboxMessage.id)
        .where(OutboxMessage.published_at.is_not(None), OutboxMessage.published_at < cutoff)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return delete(OutboxMessage).where(OutboxMessage.id.in_(due))


def _deliveries(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    finished = func.coalesce(WebhookDelivery.completed_at, WebhookDelivery.updated_at)
    due = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status != DeliveryStatus.PENDING.value, finished < cutoff)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    # Attempts go with their delivery (ON DELETE CASCADE).
    return delete(WebhookDelivery).where(WebhookDelivery.id.in_(due))


def _attempts(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    due = (
        select(WebhookAttempt.id)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(
            WebhookDelivery.status != DeliveryStatus.PENDING.value,
            WebhookAttempt.started_at < cutoff,
        )
        .limit(batch)
        # The delivery row too: a redelivery (back to pending) waits, or its attempts are skipped.
        .with_for_update(skip_locked=True)
    )
    return delete(WebhookAttempt).where(WebhookAttempt.id.in_(due))


def _notifications(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    due = (
        select(Notification.id)
        .where(Notification.created_at < cutoff)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return delete(Notification).where(Notification.id.in_(due))


def _mail_queue(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    # Any status: a mail still pending after the retention period (no SMTP server configured
    # all along) is not worth sending any more.
    due = (
        select(MailMessage.id)
        .where(MailMessage.created_at < cutoff)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return delete(MailMessage).where(MailMessage.id.in_(due))


def _idempotency_keys(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    due = (
        select(IdempotencyKey.owner_id, IdempotencyKey.key)
        .where(IdempotencyKey.created_at < cutoff)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return delete(IdempotencyKey).where(
        tuple_(IdempotencyKey.owner_id, IdempotencyKey.key).in_(due)
    )


# Deliveries before attempts: most old attempts leave with their delivery.
TABLES: dict[str, _Statement] = {
    "outbox": _outbox,
    "webhook_deliveries": _deliveries,
    "webhook_attempts": _attempts,
    "notifications": _notifications,
    "idempotency_keys": _idempotency_keys,
    "mail_queue": _mail_queue,
}


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
        backoff = Backoff(self._interval, self._interval, jitter=0.1)
        await run_service_loop(
            lambda: self._step(backoff),
            name="retention pass",
            logger=log,
            stopping=self._stopping,
            retry_on=(SQLAlchemyError, OSError),
            backoff=backoff,
            catch_all=True,
        )

    async def _step(self, backoff: Backoff) -> float:
        await self.run_once()
        return backoff.next_wait()  # the same spread after a pass as after a failure

    async def run_once(self) -> dict[str, int]:
        """One pass over every table; returns the rows deleted per table."""
        deleted: dict[str, int] = {}
        for table, statement in TABLES.items():
            keep = getattr(self._policy, table)
            cutoff = func.now() - literal(keep)
            deleted[table] = await self._purge(table, statement(cutoff, self._batch))
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
                    result = await session.execute(statement)
                    count = result.rowcount if isinstance(result, CursorResult) else 0
                total += count
                self._metrics.retention_deleted.labels(table).inc(count)
                if count < self._batch:
                    break
        return total
