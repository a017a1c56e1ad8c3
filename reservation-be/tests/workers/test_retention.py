"""Retention: only rows past their setting go, never an unpublished outbox row or a pending
delivery, with two workers (replicas) running the same pass in small batches."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import pytest
from pydantic import ValidationError
from reservation_be.workers.metrics import WorkerMetrics
from reservation_be.workers.retention import RetentionPolicy, RetentionWorker
from reservation_be.workers.settings import WorkerSettings
from reservation_db.models import (
    IdempotencyKey,
    MailMessage,
    Notification,
    OutboxMessage,
    WebhookAttempt,
    WebhookDelivery,
)
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.reservations.factories import Lab, make_lab
from tests.webhooks import factories as hooks
from tests.workers.helpers import enqueue, running
from tests.workers.live import eventually

DAY = timedelta(days=1)
POLICY = RetentionPolicy(
    outbox=7 * DAY,
    webhook_deliveries=30 * DAY,
    webhook_attempts=10 * DAY,
    notifications=90 * DAY,
    idempotency_keys=DAY,
)


def worker(sm: async_sessionmaker[AsyncSession], metrics: WorkerMetrics | None = None):  # type: ignore[no-untyped-def]
    return RetentionWorker(sessionmaker=sm, policy=POLICY, batch=2, metrics=metrics)


@pytest.fixture
def sm(app, db):  # type: ignore[no-untyped-def]
    return app.state.sessionmaker


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people)


async def ids(session: AsyncSession, column) -> set[object]:  # type: ignore[no-untyped-def]
    await session.commit()  # a fresh snapshot
    return set((await session.execute(select(column))).scalars())


async def outbox_rows(session: AsyncSession, sm, *, published: bool, age: timedelta) -> list:  # type: ignore[no-untyped-def]
    event_ids = await enqueue(sm, 3)
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.payload["id"].astext.in_(event_ids))
        .values(
            created_at=func.now() - age - DAY,
            published_at=func.now() - age if published else None,
        )
        .returning(OutboxMessage.id)
    )
    rows = list((await session.execute(stmt)).scalars())
    await session.commit()
    return rows


async def aged_delivery(session: AsyncSession, sub, *, status: str, age: timedelta, attempts: int):  # type: ignore[no-untyped-def]
    row = await hooks.delivery(session, sub, status=status, attempts=attempts)
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == row.id)
        .values(
            created_at=func.now() - age,
            updated_at=func.now() - age,
            completed_at=None if status == "pending" else func.now() - age,
        )
    )
    await session.execute(
        update(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == row.id)
        .values(started_at=func.now() - age)
    )
    await session.commit()
    return row.id


async def test_only_rows_past_retention_are_deleted(app, session, sm, lab, people):
    # outbox: published long ago goes; recently published and never published stay
    old_published = await outbox_rows(session, sm, published=True, age=8 * DAY)
    new_published = await outbox_rows(session, sm, published=True, age=6 * DAY)
    unpublished = await outbox_rows(session, sm, published=False, age=365 * DAY)

    # deliveries: finished long ago go with their attempts; pending ones stay whatever their age
    sub = await hooks.subscription(session, lab.site.id)
    old_done = [
        await aged_delivery(session, sub, status=s, age=31 * DAY, attempts=2)
        for s in ("succeeded", "failed", "cancelled")
    ]
    pending = await aged_delivery(session, sub, status="pending", age=365 * DAY, attempts=3)
    recent_failed = await aged_delivery(session, sub, status="failed", age=20 * DAY, attempts=2)
    fresh_failed = await aged_delivery(session, sub, status="failed", age=DAY, attempts=1)

    # notifications and idempotency keys: by creation time
    owner = people["bob"]
    for age in (91 * DAY, 91 * DAY, 89 * DAY):
        session.add(
            Notification(user_id=owner, kind="test", message=f"{age}", created_at=func.now() - age)
        )
    for key, age in (("old-1", 2 * DAY), ("old-2", 25 * timedelta(hours=1)), ("new", DAY / 2)):
        session.add(
            IdempotencyKey(
                owner_id=owner,
                key=key,
                method="POST",
                path="/api/v1/sites",
                request_hash="x" * 64,
                created_at=func.now() - age,
            )
        )
    for kind, age in (("old", 31 * DAY), ("old", 40 * DAY), ("new", 29 * DAY)):
        session.add(
            MailMessage(
                user_id=owner, kind=kind, to_address="bob@example.com",
                status="sent", created_at=func.now() - age,
            )
        )  # fmt: skip
    await session.commit()

    metrics = WorkerMetrics()
    first, second = worker(sm, metrics), worker(sm, metrics)
    results = await asyncio.gather(first.run_once(), second.run_once())
    deleted = {t: sum(r[t] for r in results) for t in results[0]}

    assert deleted == {
        "outbox": 3,
        "webhook_deliveries": 3,
        "webhook_attempts": 2,  # the 20-day-old delivery's attempts; the others left with theirs
        "notifications": 2,
        "idempotency_keys": 2,
        "mail_queue": 2,
    }
    assert await ids(session, OutboxMessage.id) == {*new_published, *unpublished}
    assert not set(old_published) & await ids(session, OutboxMessage.id)
    assert await ids(session, WebhookDelivery.id) == {pending, recent_failed, fresh_failed}
    kept_attempts = await session.execute(
        select(WebhookAttempt.delivery_id, func.count()).group_by(WebhookAttempt.delivery_id)
    )
    assert dict(kept_attempts.all()) == {pending: 3, fresh_failed: 1}
    assert await ids(session, Notification.message) == {f"{89 * DAY}"}
    assert await ids(session, IdempotencyKey.key) == {"new"}
    assert await ids(session, MailMessage.kind) == {"new"}
    assert not set(old_done) & await ids(session, WebhookDelivery.id)

    for table, count in deleted.items():
        sample = metrics.registry.get_sample_value(
            "reservation_be_retention_deleted_total", {"table": table}
        )
        assert sample == count
    assert metrics.registry.get_sample_value("reservation_be_retention_last_pass_timestamp_seconds")

    # A second pass finds nothing more.
    assert set((await worker(sm).run_once()).values()) == {0}


async def test_a_delivery_being_redelivered_is_not_deleted(app, session, sm, lab):
    sub = await hooks.subscription(session, lab.site.id)
    old = await aged_delivery(session, sub, status="failed", age=60 * DAY, attempts=1)

    # An admin's redelivery holds the row while the pass runs, then makes it pending.
    async with sm() as redeliver, redeliver.begin():
        await redeliver.execute(
            select(WebhookDelivery.id).where(WebhookDelivery.id == old).with_for_update()
        )
        assert (await worker(sm).run_once())["webhook_deliveries"] == 0
        await redeliver.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == old)
            .values(status="pending", attempts=0, next_attempt_at=func.now(), completed_at=None)
        )

    assert (await worker(sm).run_once())["webhook_deliveries"] == 0
    assert old in await ids(session, WebhookDelivery.id)


async def test_the_loop_runs_passes_until_stopped(app, session, sm):
    old = await outbox_rows(session, sm, published=True, age=30 * DAY)
    loop = RetentionWorker(
        sessionmaker=sm, policy=POLICY, interval=timedelta(seconds=0.1), batch=10
    )
    async with running(loop):
        await eventually(
            lambda: _gone(session, old), timeout=10, what="the old outbox rows to be deleted"
        )


async def _gone(session: AsyncSession, rows: list[uuid.UUID]) -> bool:
    return not set(rows) & await ids(session, OutboxMessage.id)


def test_idempotency_keys_are_kept_for_the_whole_replay_window():
    with pytest.raises(ValidationError, match="replay window"):
        WorkerSettings(retention_idempotency_keys="12h")
    assert WorkerSettings(retention_outbox="3d").retention_outbox == 3 * DAY
