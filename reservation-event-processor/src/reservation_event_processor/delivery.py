"""Signed webhook delivery with durable retries. Knows nothing of the broker.

How an attempt can end is the exception tree of ``_errors`` (transient: retried on the durable
schedule; permanent: the delivery fails now). The request itself is ``_sender``, the retry
schedule ``_schedule``, the per-subscription spacing ``_rate_limit``; this module claims,
dispatches and records.

A due delivery is claimed with ``FOR UPDATE SKIP LOCKED`` and leased (``locked_until``) in one
statement (committed on its own); the HTTP request runs outside any transaction; the outcome is
written in a transaction shared with the attempts that ended while the previous outcomes were
being written (group commit: an attempt counts as recorded only once that transaction
committed). A sender that dies
mid-attempt leaves the lease to expire and the delivery is sent again with the same
``webhook-id``. Each subscription has at most ``max_concurrency`` attempts in flight, so
a slow or dead receiver only ever holds its own slots.

With tracing on, each attempt is a "deliver" span whose parent is the trace context stored with
the delivery (the fan-out's), and the instrumented HTTP client sends its ``traceparent``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from opentelemetry.trace import SpanKind, StatusCode, Tracer
from reservation_common.crypto import DecryptionError, SecretBox
from reservation_common.service_loop import backoff_wait, run_service_loop
from reservation_common.tracing import context_from
from reservation_db.models.webhook_delivery import DeliveryStatus
from reservation_db.repositories import (
    notifications,
    webhook_attempts,
    webhook_deliveries,
    webhook_subscriptions,
)
from reservation_db.repositories.webhook_attempts import AttemptRecord
from reservation_db.repositories.webhook_deliveries import ClaimedDelivery
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_event_processor import metrics
from reservation_event_processor._autocommit import autocommit
from reservation_event_processor._errors import (
    DeliveryError,
    NoSigningSecret,
    PermanentDeliveryError,
    ReceiverError,
    ReceiverGone,
    ReceiverUnreachable,
    ResponseSummary,
    SigningUnavailable,
    TargetNotAllowed,
    TransientDeliveryError,
)
from reservation_event_processor._group_commit import GroupCommit
from reservation_event_processor._rate_limit import RateLimiter
from reservation_event_processor._schedule import parse_retry_after, retry_delay
from reservation_event_processor._sender import Sender, create_http_client
from reservation_event_processor.settings import Settings

__all__ = [
    "DeliveryError",
    "DeliveryWorker",
    "NoSigningSecret",
    "PermanentDeliveryError",
    "ReceiverError",
    "ReceiverGone",
    "ReceiverUnreachable",
    "ResponseSummary",
    "Sender",
    "SigningUnavailable",
    "TargetNotAllowed",
    "TransientDeliveryError",
    "create_http_client",
    "parse_retry_after",
    "retry_delay",
]

logger = logging.getLogger(__name__)

BACKLOG_INTERVAL = 5.0  # seconds between two backlog measurements for /metrics


@dataclass(frozen=True, slots=True)
class _Finished:
    """An attempt that ended, with what it decides, waiting to be recorded."""

    claim: ClaimedDelivery
    outcome: ResponseSummary | DeliveryError
    record: AttemptRecord
    status: DeliveryStatus
    next_at: datetime | None
    failure: bool | None  # None: says nothing of the receiver's health
    at: datetime


class DeliveryWorker:
    """Claims due deliveries, sends them concurrently and records every attempt."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        sender: Sender,
        secret_box: SecretBox,
        settings: Settings,
        rng: random.Random | None = None,
        tracer: Tracer | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._tracer = tracer
        self._sender = sender
        self._box = secret_box
        self._settings = settings
        self._rng = rng or random.Random()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._next_backlog = 0.0
        self._rate = RateLimiter()
        # Attempts that end while one transaction records others are recorded together next.
        self._records: GroupCommit[_Finished, bool] = GroupCommit(
            self._write_outcomes, max_batch=settings.claim_batch, name="record-attempts"
        )

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    def wake(self) -> None:
        """New work may be due (a fan-out committed, an attempt finished)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Claim and dispatch until ``stop()``; in-flight attempts are left to ``drain()``."""
        await run_service_loop(
            self._step,
            name="claiming deliveries",
            logger=logger,
            stopping=self._stopping,
            wakeup=self._wake,
            retry_on=(SQLAlchemyError, OSError),
            backoff=backoff_wait(0.5, 30.0, jitter=0),
        )

    async def _step(self) -> float:
        if time.monotonic() >= self._next_backlog:
            await self._measure_backlog()
            self._next_backlog = time.monotonic() + BACKLOG_INTERVAL
        claimed = await self.run_once()
        if claimed and self.in_flight < self._settings.max_in_flight:
            return 0  # more may be due: claim again at once
        return self._settings.poll_interval.total_seconds()

    async def _measure_backlog(self) -> None:
        async with self._sessionmaker() as session:
            due, oldest = await webhook_deliveries.backlog(session)
        metrics.DELIVERIES_DUE.set(due)
        metrics.OLDEST_DUE_SECONDS.set(oldest)

    async def run_once(self) -> int:
        """Claim what is due (within the free slots) and start the attempts; returns how many."""
        free = self._settings.max_in_flight - self.in_flight
        if free <= 0 or self._stopping.is_set():
            return 0
        # A claim takes at most one second's worth of a rate-limited subscription's rows; one
        # whose slots are booked further than that would keep its rows waiting past the lease.
        booked = self._rate.booked_beyond(max(self._start_window - 1.0, 0.0))
        lease_ends = time.monotonic() + self._settings.lease.total_seconds()
        async with autocommit(self._sessionmaker) as session:  # one statement
            claims = await webhook_deliveries.claim_due(
                session,
                limit=min(free, self._settings.claim_batch),
                lease=self._settings.lease,
                skip_subscriptions=booked,
            )
        for claim in claims:
            task = asyncio.create_task(
                self._attempt(
                    claim, start_by=lease_ends - self._settings.http_timeout.total_seconds()
                ),
                name=f"delivery-{claim.webhook_id}",
            )
            self._tasks.add(task)
            task.add_done_callback(self._finished)
        metrics.IN_FLIGHT.set(self.in_flight)
        return len(claims)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        metrics.IN_FLIGHT.set(self.in_flight)
        if not task.cancelled() and task.exception() is not None:
            logger.error("delivery task crashed", exc_info=task.exception())
        self._wake.set()

    async def drain(self, grace: float) -> int:
        """Wait for in-flight attempts; cancel what is left after ``grace`` s. Returns cancelled."""
        if not self._tasks:
            return 0
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
        return len(pending)

    @property
    def _start_window(self) -> float:
        """How long after its claim an attempt may still start and end within the lease."""
        return (self._settings.lease - self._settings.http_timeout).total_seconds()

    async def _attempt(self, claim: ClaimedDelivery, *, start_by: float) -> None:
        key, rate = claim.subscription_id, claim.rate_limit_per_second
        wait = self._rate.wait_for_slot(key, rate)
        if time.monotonic() + wait > start_by:
            # Waiting for the rate limiter would outlive the lease: another claim would send it
            # a second time meanwhile. Give it back, due when the slot is free.
            await self._give_back(claim, due_in=timedelta(seconds=wait))
            return
        wait = self._rate.take(key, rate)
        if wait > 0:
            await asyncio.sleep(wait)
        started_at = datetime.now(UTC)
        t0 = time.monotonic()
        body = json.dumps(claim.payload, separators=(",", ":"), ensure_ascii=False).encode()
        outcome = await (
            self._send_traced(claim, body) if self._tracer else self._send(claim, body)
        )
        duration = time.monotonic() - t0
        metrics.ATTEMPT_SECONDS.observe(duration)
        metrics.ATTEMPTS.labels(
            outcome="success" if isinstance(outcome, ResponseSummary) else type(outcome).__name__
        ).inc()
        response = outcome if isinstance(outcome, ResponseSummary) else outcome.response
        record = AttemptRecord(
            started_at=started_at,
            duration_ms=round(duration * 1000),
            status_code=response.status_code if response else None,
            error=None if isinstance(outcome, ResponseSummary) else str(outcome),
            response_excerpt=response.excerpt if response else None,
            response_headers=response.headers if response else {},
        )
        try:
            await self._record(claim, outcome, record)
        except (SQLAlchemyError, OSError):
            # The lease runs out and the delivery is sent again with the same webhook-id.
            logger.exception("recording the attempt of %s failed", claim.webhook_id)

    async def _send(self, claim: ClaimedDelivery, body: bytes) -> ResponseSummary | DeliveryError:
        try:
            secrets = [self._box.decrypt(token) for token in claim.encrypted_secrets]
        except DecryptionError as exc:
            return SigningUnavailable(str(exc))
        try:
            return await self._sender.send(
                url=claim.url, webhook_id=claim.webhook_id, body=body, secrets=secrets
            )
        except DeliveryError as exc:
            return exc

    async def _send_traced(
        self, claim: ClaimedDelivery, body: bytes
    ) -> ResponseSummary | DeliveryError:
        assert self._tracer is not None
        with self._tracer.start_as_current_span(
            "deliver webhook",
            context=context_from(claim.trace_context),
            kind=SpanKind.INTERNAL,
            attributes={
                "webhook.id": claim.webhook_id,
                "webhook.attempt": claim.attempt,
                "webhook.subscription_id": str(claim.subscription_id),
                "messaging.message.id": str(claim.payload.get("id", "")),
            },
        ) as span:
            outcome = await self._send(claim, body)
            if isinstance(outcome, DeliveryError):
                span.set_status(StatusCode.ERROR, type(outcome).__name__)
            return outcome

    async def _give_back(self, claim: ClaimedDelivery, *, due_in: timedelta) -> None:
        try:
            async with self._sessionmaker() as session, session.begin():
                await webhook_deliveries.release(session, claim, due_in=due_in)
        except (SQLAlchemyError, OSError):
            logger.exception("giving back %s failed; its lease runs out", claim.webhook_id)
            return
        metrics.RATE_LIMIT_DEFERRED.inc()
        logger.debug(
            "rate limit: delivery given back",
            extra={"webhook_id": claim.webhook_id, "due_in_s": due_in.total_seconds()},
        )

    async def _record(
        self,
        claim: ClaimedDelivery,
        outcome: ResponseSummary | DeliveryError,
        record: AttemptRecord,
    ) -> None:
        now = datetime.now(UTC)
        log_extra = {
            "webhook_id": claim.webhook_id,
            "subscription_id": str(claim.subscription_id),
            "attempt": claim.attempt,
            "status_code": record.status_code,
            "duration_ms": record.duration_ms,
        }
        failure: bool | None
        if isinstance(outcome, ResponseSummary):
            status, next_at, failure = DeliveryStatus.SUCCEEDED, None, False
        else:
            status, next_at = self._next_step(claim, outcome, now)
            # A key problem on our side says nothing about the receiver's health.
            failure = None if isinstance(outcome, SigningUnavailable) else True
        finished = _Finished(claim, outcome, record, status, next_at, failure, now)
        try:
            held = await self._records.submit(finished)
        except (SQLAlchemyError, OSError):
            # The shared transaction failed: this attempt alone, so no other can hold it up.
            async with self._sessionmaker() as session, session.begin():
                held = await self._write_outcome(session, finished)
        if held and status is not DeliveryStatus.PENDING:
            metrics.DELIVERIES_FINISHED.labels(status=status.value).inc()
        if status is DeliveryStatus.SUCCEEDED:
            if held:
                self._observe_latency(claim, now)
            logger.info("webhook delivered", extra=log_extra)
        else:
            logger.warning(
                "webhook attempt failed: %s",
                record.error,
                extra={**log_extra, "next_attempt_at": next_at.isoformat() if next_at else None},
            )

    async def _write_outcomes(self, batch: Sequence[_Finished]) -> list[bool]:
        """The attempts that ended while the previous batch was written, tried once: successes
        only in one statement, otherwise one transaction. Subscriptions are updated in id order
        there, as in every other batch, so two replicas' batches never wait on each other's
        locks in a cycle."""
        if all(isinstance(f.outcome, ResponseSummary) for f in batch):
            # The common case, successes only: one statement for them all.
            async with autocommit(self._sessionmaker) as session:
                kept = await webhook_attempts.record_successes(
                    session, [(f.claim, f.record) for f in batch]
                )
            return [f.claim.id in kept for f in batch]
        order = sorted(range(len(batch)), key=lambda i: (batch[i].claim.subscription_id, i))
        held = [False] * len(batch)
        async with self._sessionmaker() as session, session.begin():
            for i in order:
                held[i] = await self._write_outcome(session, batch[i])
        return held

    async def _write_outcome(self, session: AsyncSession, finished: _Finished) -> bool:
        """Store the attempt and what it decides; returns whether the lease still held."""
        claim, record = finished.claim, finished.record
        held, failing_since = await webhook_attempts.record(
            session,
            claim,
            record,
            status=finished.status,
            next_attempt_at=finished.next_at,
            failure=finished.failure,
        )
        if isinstance(finished.outcome, ReceiverGone):
            await self._disable(
                session, claim.subscription_id, reason=str(finished.outcome), tag="gone"
            )
        elif (
            failing_since is not None
            and finished.at - failing_since >= self._settings.disable_after
        ):
            days = self._settings.disable_after.total_seconds() / 86400
            await self._disable(
                session,
                claim.subscription_id,
                reason=f"every attempt failed for {days:g} days (last error: {record.error})",
                tag="failing",
            )
        return held

    def _next_step(
        self, claim: ClaimedDelivery, outcome: DeliveryError, now: datetime
    ) -> tuple[DeliveryStatus, datetime | None]:
        if isinstance(outcome, PermanentDeliveryError):
            return DeliveryStatus.FAILED, None
        delay = retry_delay(
            claim.attempt,
            self._settings.retry_schedule,
            jitter=self._settings.retry_jitter,
            rng=self._rng,
        )
        if delay is None:
            return DeliveryStatus.FAILED, None
        if isinstance(outcome, TransientDeliveryError) and outcome.retry_after is not None:
            delay = min(
                max(outcome.retry_after, self._settings.retry_after_min),
                self._settings.retry_after_max,
            )
        return DeliveryStatus.PENDING, now + delay

    async def _disable(
        self, session: AsyncSession, subscription_id: uuid.UUID, *, reason: str, tag: str
    ) -> None:
        disabled = await webhook_subscriptions.disable(session, subscription_id, reason=reason)
        if disabled is None:
            return
        site_id, name = disabled
        metrics.SUBSCRIPTIONS_DISABLED.labels(reason=tag).inc()
        logger.warning(
            "webhook subscription disabled: %s",
            reason,
            extra={"subscription_id": str(subscription_id), "site_id": str(site_id)},
        )
        await notifications.add_for_site_admins(
            session,
            site_id=site_id,
            kind="webhook.subscription_disabled",
            message=f"Webhook subscription '{name}' was disabled: {reason}",
            params={"name": name, "reason": reason, "why": tag},
            links=[
                {
                    "rel": "webhook_subscription",
                    "href": f"/api/v1/sites/{site_id}/webhooks/{subscription_id}",
                }
            ],
        )

    @staticmethod
    def _observe_latency(claim: ClaimedDelivery, now: datetime) -> None:
        raw = claim.payload.get("timestamp")
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                sent = datetime.fromisoformat(raw)
                metrics.DELIVERY_LATENCY_SECONDS.observe((now - sent).total_seconds())
