"""Starts the background loops with the API (``WORKERS_ENABLED``): scheduler, retention, the mail
worker when ``SMTP_HOST`` is set, and relay when a broker is configured (without ``AMQP_URL``
the dev-mode processor reads the outbox itself).

Their metrics go to the API's registry (``/metrics``); the relay's broker connection is shown
by ``/readyz`` as a detail that never makes the API unready (the outbox holds events meanwhile)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from reservation_be.fairuse.waitlist import WaitlistWorker
from reservation_be.health import status_details
from reservation_be.mail.settings import MailSettings
from reservation_be.mail.worker import MailWorker
from reservation_be.settings import Settings
from reservation_be.workers.listener import asyncpg_dsn
from reservation_be.workers.metrics import WorkerMetrics
from reservation_be.workers.relay import OutboxRelay
from reservation_be.workers.retention import RetentionPolicy, RetentionWorker
from reservation_be.workers.scheduler import LifecycleScheduler
from reservation_be.workers.settings import WorkerSettings

log = logging.getLogger(__name__)


Loop = LifecycleScheduler | RetentionWorker | OutboxRelay | MailWorker | WaitlistWorker


def build_workers(app: FastAPI, workers: WorkerSettings | None = None) -> list[Loop]:
    settings: Settings = app.state.settings
    workers = workers or WorkerSettings()
    metrics = worker_metrics(app)
    dsn = asyncpg_dsn(settings.database_url)
    loops: list[Loop] = [
        LifecycleScheduler(
            sessionmaker=app.state.sessionmaker,
            ending_soon_before=workers.ending_soon_before,
            listen_dsn=dsn,
            batch=workers.scheduler_batch,
            max_sleep=workers.scheduler_max_sleep,
            metrics=metrics,
        ),
        RetentionWorker(
            sessionmaker=app.state.sessionmaker,
            policy=RetentionPolicy(
                outbox=workers.retention_outbox,
                webhook_deliveries=workers.retention_webhook_deliveries,
                webhook_attempts=workers.retention_webhook_attempts,
                notifications=workers.retention_notifications,
                idempotency_keys=workers.retention_idempotency_keys,
                mail_queue=workers.retention_mail_queue,
            ),
            interval=workers.retention_interval,
            batch=workers.retention_batch,
            max_batches=workers.retention_max_batches,
            metrics=metrics,
        ),
        WaitlistWorker(sessionmaker=app.state.sessionmaker, interval=workers.waitlist_interval),
    ]
    mail = MailSettings()
    if mail.enabled:
        loops.append(
            MailWorker(
                sessionmaker=app.state.sessionmaker,
                settings=mail,
                unsubscribe_secret=settings.webhook_secrets_key.get_secret_value(),
                listen_dsn=dsn,
                metrics=metrics,
            )
        )
    else:
        log.warning("no SMTP_HOST: mails stay queued, reminders are not written")
    if settings.amqp_url:
        relay = OutboxRelay(
            sessionmaker=app.state.sessionmaker,
            amqp_url=settings.amqp_url,
            exchange=workers.relay_exchange,
            listen_dsn=dsn,
            batch=workers.relay_batch,
            sweep_interval=workers.relay_sweep_interval,
            publish_timeout=workers.relay_publish_timeout,
            max_backoff=workers.relay_max_backoff,
            metrics=metrics,
            tracer_provider=app.state.tracer_provider,
        )
        loops.append(relay)
        status_details(app)["relay_broker"] = lambda: (
            "connected" if relay.connected.is_set() else "disconnected"
        )
    else:
        log.warning("no AMQP_URL: the outbox relay is off (the dev-mode processor reads it)")
    return loops


def worker_metrics(app: FastAPI) -> WorkerMetrics:
    """The loops' metrics on the API's registry, created once per app."""
    metrics: WorkerMetrics | None = getattr(app.state, "worker_metrics", None)
    if metrics is None:
        metrics = app.state.worker_metrics = WorkerMetrics(app.state.metrics.registry)
    return metrics


async def run_workers(app: FastAPI) -> None:
    """Run the loops until cancelled, then stop them cleanly."""
    loops = build_workers(app)
    tasks = [asyncio.create_task(loop.run(), name=type(loop).__name__) for loop in loops]
    try:
        await asyncio.gather(*tasks)
    finally:
        for loop in loops:
            loop.stop()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 10)
