"""One migrated database per run; tables emptied after each test; a session factory and the
settings the processor runs with in tests (compressed schedule, loopback allowed)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from reservation_be.testing import temporary_database, truncate_all
from reservation_common.crypto import SecretBox, generate_key
from reservation_event_processor.settings import Settings
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with temporary_database(prefix="rep_test") as url:
        yield url


@pytest.fixture(scope="session")
def secrets_key() -> str:
    return generate_key()


@pytest.fixture(scope="session")
def box(secrets_key: str) -> SecretBox:
    return SecretBox(secrets_key)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_async_engine(database_url, pool_size=4, max_overflow=4)
    yield eng
    await eng.dispose()


@pytest.fixture
async def sm(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield async_sessionmaker(engine, expire_on_commit=False)
    await truncate_all(engine)


@pytest.fixture
def settings(database_url: str, secrets_key: str) -> Settings:
    # Small pools: the PostgreSQL server is shared with every other suite running at once.
    return Settings(
        database_url=database_url,
        database_pool_size=3,
        webhook_secrets_key=secrets_key,
        retry_schedule=[timedelta(milliseconds=200), timedelta(milliseconds=400)] * 3,
        retry_jitter=0.2,
        retry_after_min=timedelta(milliseconds=100),
        retry_after_max=timedelta(seconds=30),
        http_timeout=timedelta(seconds=2),
        lease=timedelta(seconds=3),
        poll_interval=timedelta(milliseconds=50),
        transport_retries=0,
        ssrf_allowlist=[],
    )


@pytest.fixture
def rng() -> random.Random:
    return random.Random(7)
