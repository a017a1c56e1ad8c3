"""Starts the background loops with the API (``WORKERS_ENABLED``): scheduler, and relay when a
broker is configured (without ``AMQP_URL`` the dev-mode processor reads the outbox itself)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from reservation_be.settings import Settings
from reservation_be.workers.listener import asyncpg_dsn
from reservation_be.workers.relay import OutboxRelay
from reservation_be.workers.scheduler import LifecycleScheduler
from reservation_be.workers.settings import WorkerSettings

log = logging.getLogger(__name__)


def build_workers(
    app: FastAPI, workers: WorkerSettings | None = None
) -> list[LifecycleScheduler | OutboxRelay]:
    settings: Settings = app.state.settings
    workers = workers or WorkerSettings()
    dsn = asyncpg_dsn(settings.database_url)
    loops: list[LifecycleScheduler | OutboxRelay] = [
        LifecycleScheduler(
            sessionmaker=app.state.sessionmaker,
            ending_soon_before=workers.ending_soon_before,
            listen_dsn=dsn,
            batch=workers.scheduler_batch,
            max_sleep=workers.scheduler_max_sleep,
        )
    ]
    if settings.amqp_url:
        loops.append(
            OutboxRelay(
                sessionmaker=app.state.sessionmaker,
                amqp_url=settings.amqp_url,
                exchange=workers.relay_exchange,
                listen_dsn=dsn,
                batch=workers.relay_batch,
                sweep_interval=workers.relay_sweep_interval,
                publish_timeout=workers.relay_publish_timeout,
                max_backoff=workers.relay_max_backoff,
            )
        )
    else:
        log.warning("no AMQP_URL: the outbox relay is off (the dev-mode processor reads it)")
    return loops


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
