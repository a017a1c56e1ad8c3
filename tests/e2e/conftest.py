"""The whole platform for the end-to-end suite, started once per run.

Real PostgreSQL (a migrated database of its own, dropped at the end) and real RabbitMQ (an
exchange and queues with unique names, deleted at the end). The test realm issues every token.
The event processor and the backend (API + lifecycle scheduler + outbox relay) run as
subprocesses with their production commands; receivers run in the test's event loop. Retry
schedules, lead times and sweeps are compressed so the suite takes a couple of minutes.

Every test makes its own site, so tests share the processes but never each other's data.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aio_pika
import pytest
import pytest_asyncio
from reservation_be.testing import temporary_database
from reservation_common.crypto import generate_key
from reservation_testrealm import TestRealm
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from e2e.api import Api
from e2e.harness import ServiceProcess, free_port, python_env
from e2e.receivers import MinimalReceivers

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"

session_fixture = pytest_asyncio.fixture(scope="session", loop_scope="session")


@dataclass(frozen=True)
class BrokerNames:
    exchange: str
    queue: str


@dataclass
class Platform:
    realm: TestRealm
    database_url: str
    broker: BrokerNames
    backend: ServiceProcess
    processor: ServiceProcess
    api_url: str
    secrets_key: str


@pytest.fixture(scope="session")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-logs")


@session_fixture
async def database_url() -> AsyncIterator[str]:
    async with temporary_database(prefix="e2e") as url:
        yield url


@session_fixture
async def broker() -> AsyncIterator[BrokerNames]:
    suffix = uuid.uuid4().hex[:10]
    names = BrokerNames(exchange=f"e2e.events.{suffix}", queue=f"e2e-processor-{suffix}")
    yield names
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        # The processor declares the queue, its dead-letter exchange and queue; the relay and
        # the processor both declare the exchange.
        for queue in (names.queue, f"{names.queue}.dead"):
            with contextlib.suppress(aio_pika.exceptions.AMQPError):
                await channel.queue_delete(queue)
        for exchange in (names.exchange, f"{names.queue}.dead"):
            with contextlib.suppress(aio_pika.exceptions.AMQPError):
                await channel.exchange_delete(exchange)


@session_fixture
async def platform(
    test_realm: TestRealm, database_url: str, broker: BrokerNames, logs: Path
) -> AsyncIterator[Platform]:
    secrets_key = generate_key()
    processor_port, api_port = free_port(), free_port()
    processor = ServiceProcess(
        "event processor",
        ["-m", "reservation_event_processor", "run"],
        env=python_env(
            {
                "RESERVATION_EP_DATABASE_URL": database_url,
                "RESERVATION_EP_AMQP_URL": AMQP_URL,
                "RESERVATION_EP_EXCHANGE": broker.exchange,
                "RESERVATION_EP_QUEUE": broker.queue,
                "RESERVATION_EP_WEBHOOK_SECRETS_KEY": secrets_key,
                # Every receiver of the suite listens on loopback.
                "RESERVATION_EP_SSRF_ALLOWLIST": "127.0.0.1/32",
                "RESERVATION_EP_RETRY_SCHEDULE": "200ms,500ms,1s,1s,2s,2s",
                "RESERVATION_EP_HTTP_TIMEOUT": "2s",
                "RESERVATION_EP_LEASE": "3s",
                "RESERVATION_EP_POLL_INTERVAL": "100ms",
                "RESERVATION_EP_SHUTDOWN_GRACE": "2s",
                "RESERVATION_EP_PORT": str(processor_port),
                "RESERVATION_EP_LOG_LEVEL": "WARNING",
            }
        ),
        ready_url=f"http://127.0.0.1:{processor_port}/readyz",
        log_path=logs / "processor.log",
    )
    backend = ServiceProcess(
        "backend",
        ["-m", "reservation_be", "serve", "--host", "127.0.0.1", "--port", str(api_port)],
        env=python_env(
            {
                "RESERVATION_BE_DATABASE_URL": database_url,
                "RESERVATION_BE_AMQP_URL": AMQP_URL,
                "RESERVATION_BE_OIDC_ISSUER": test_realm.issuer,
                "RESERVATION_BE_OIDC_AUDIENCE": "reservation-api",
                "RESERVATION_BE_KEYCLOAK_ADMIN_CLIENT_ID": "reservation-api",
                "RESERVATION_BE_KEYCLOAK_ADMIN_CLIENT_SECRET": test_realm.client_secret(
                    "reservation-api"
                ),
                "RESERVATION_BE_WEBHOOK_SECRETS_KEY": secrets_key,
                "RESERVATION_BE_WORKERS_ENABLED": "true",
                "RESERVATION_BE_METRICS_ENABLED": "true",
                # The suite books as bob from several tests and replicas at load rates.
                "RESERVATION_BE_RATE_LIMIT_REQUESTS": "100000",
                "RESERVATION_BE_RELAY_EXCHANGE": broker.exchange,
                "RESERVATION_BE_RELAY_SWEEP_INTERVAL": "PT0.5S",
                "RESERVATION_BE_SCHEDULER_MAX_SLEEP": "PT1S",
                "RESERVATION_BE_LOG_LEVEL": "WARNING",
            }
        ),
        ready_url=f"http://127.0.0.1:{api_port}/readyz",
        log_path=logs / "backend.log",
    )
    # Together: until the processor has bound its queue, the relay keeps events in the outbox.
    try:
        started = await asyncio.gather(processor.start(), backend.start(), return_exceptions=True)
        for outcome in started:
            if isinstance(outcome, BaseException):
                raise outcome
        yield Platform(
            realm=test_realm,
            database_url=database_url,
            broker=broker,
            backend=backend,
            processor=processor,
            api_url=f"http://127.0.0.1:{api_port}",
            secrets_key=secrets_key,
        )
    finally:
        await backend.stop()
        await processor.stop()


@session_fixture
async def api(platform: Platform) -> AsyncIterator[Api]:
    client = Api(platform.api_url, platform.realm)
    yield client
    await client.aclose()


@session_fixture
async def database(platform: Platform) -> AsyncIterator[AsyncEngine]:
    """Read-only look at what the processes wrote (deliveries, outbox), for the checks."""
    engine = create_async_engine(platform.database_url, pool_size=2)
    yield engine
    await engine.dispose()


@session_fixture
async def minimal_receivers() -> AsyncIterator[MinimalReceivers]:
    receivers = MinimalReceivers()
    await receivers.server.start()
    yield receivers
    await receivers.server.stop()
