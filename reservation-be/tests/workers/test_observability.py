"""The workers seen from outside: their metrics on the API's ``/metrics`` and the relay's broker
connection in ``/readyz``, with the loops built as the API process builds them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import httpx
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from reservation_be.main import close_app, create_app
from reservation_be.settings import Settings
from reservation_be.workers.relay import OutboxRelay
from reservation_be.workers.runner import build_workers
from reservation_be.workers.scheduler import LifecycleScheduler
from reservation_be.workers.settings import WorkerSettings
from reservation_common.testing import TcpProxy

from tests.reservations.factories import make_lab
from tests.workers.helpers import enqueue, now, place, running
from tests.workers.live import AMQP_URL, Broker, eventually


@asynccontextmanager
async def api_with_workers(
    settings: Settings, amqp_url: str, broker: Broker
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, OutboxRelay, LifecycleScheduler]]:
    app = create_app(settings.model_copy(update={"amqp_url": amqp_url}))
    workers = WorkerSettings(
        relay_exchange=broker.exchange,
        relay_sweep_interval=timedelta(seconds=0.2),
        relay_max_backoff=timedelta(seconds=0.5),
    )
    [scheduler, _retention, _waitlist, relay] = build_workers(app, workers)
    assert isinstance(scheduler, LifecycleScheduler) and isinstance(relay, OutboxRelay)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            yield app, client, relay, scheduler
    finally:
        await close_app(app)


async def samples(client: httpx.AsyncClient) -> dict[tuple[str, tuple[str, ...]], float]:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(f"{k}={v}" for k, v in sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


async def test_readyz_reports_the_relays_broker_connection_without_failing(
    settings, client, db, broker
):
    alone = await client.get("/readyz")  # the test app runs no relay
    assert "details" not in alone.json()
    connected = ("reservation_be_relay_broker_connected", ())

    proxy = TcpProxy(5672)
    async with proxy:
        url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"
        async with (
            api_with_workers(settings, url, broker) as (_, api, relay, _),
            running(relay),
        ):
            await eventually(relay.connected.is_set, timeout=10, what="the broker connection")
            ready = await api.get("/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json()["details"] == {"relay_broker": "connected"}
            assert (await samples(api))[connected] == 1

            await proxy.__aexit__(None, None, None)  # the broker is gone for the relay
            await eventually(lambda: not relay.connected.is_set(), timeout=10, what="the loss")
            down = await api.get("/readyz")
            # Still ready: requests keep writing events to the outbox meanwhile.
            assert down.status_code == 200, down.text
            assert down.json()["checks"] == {"database": "ok"}
            assert down.json()["details"] == {"relay_broker": "disconnected"}
            assert (await samples(api))[connected] == 0

            back = TcpProxy(5672)
            back.port = proxy.port
            async with back:
                await eventually(relay.connected.is_set, timeout=10, what="a reconnection")
                again = await api.get("/readyz")
                assert again.status_code == 200, again.text
                assert again.json()["details"] == {"relay_broker": "connected"}
                assert (await samples(api))[connected] == 1


async def test_relay_metrics_count_publications_failures_and_the_backlog(app, settings, db):
    broker = await Broker().open(bind=False)  # no queue yet: events come back unrouted
    try:
        async with (
            api_with_workers(settings, AMQP_URL, broker) as (_, api, relay, _),
            running(relay),
        ):
            await enqueue(app.state.sessionmaker, 3)
            failures = ("reservation_be_relay_publish_failures_total", ("reason=unroutable",))
            await eventually(
                lambda: _at_least(api, failures, 3), timeout=10, what="unrouted events"
            )
            await eventually(
                lambda: _at_least(api, ("reservation_be_outbox_backlog", ()), 3),
                timeout=5,
                what="the backlog",
            )
            seen = await samples(api)
            assert seen[("reservation_be_relay_published_total", ())] == 0
            assert seen[("reservation_be_outbox_oldest_unpublished_age_seconds", ())] > 0

            await broker.bind()
            published = ("reservation_be_relay_published_total", ())
            await eventually(lambda: _at_least(api, published, 3), timeout=10, what="publication")
            await eventually(
                lambda: _equals(api, ("reservation_be_outbox_backlog", ()), 0),
                timeout=5,
                what="an empty backlog",
            )
            seen = await samples(api)
            assert seen[published] == 3
            assert seen[("reservation_be_outbox_oldest_unpublished_age_seconds", ())] == 0
    finally:
        await broker.close()


async def test_scheduler_metrics_count_transitions_and_their_lateness(
    app, settings, session, people, broker
):
    lab = await make_lab(session, people)
    t = now()
    await place(
        session, lab, people["bob"], t - timedelta(minutes=5), t + timedelta(hours=1),
        created_at=t - timedelta(hours=1),
    )  # fmt: skip
    async with api_with_workers(settings, AMQP_URL, broker) as (_, api, _, scheduler):
        assert await scheduler.run_once() == 2
        seen = await samples(api)
    for event_type, late in (("reservation.starting", 300), ("reservation.started", 300)):
        label = (f"event_type={event_type}",)
        assert seen[("reservation_be_scheduler_transitions_total", label)] == 1
        assert seen[("reservation_be_scheduler_lateness_seconds_count", label)] == 1
        assert abs(seen[("reservation_be_scheduler_lateness_seconds_sum", label)] - late) < 60
        # 300 s late falls in the 300 s bucket, not in the 60 s one.
        assert seen[("reservation_be_scheduler_lateness_seconds_bucket", (*label, "le=60.0"))] == 0


async def _at_least(api: httpx.AsyncClient, key: tuple[str, tuple[str, ...]], n: float) -> bool:
    return (await samples(api)).get(key, 0) >= n


async def _equals(api: httpx.AsyncClient, key: tuple[str, tuple[str, ...]], n: float) -> bool:
    return (await samples(api)).get(key) == n
