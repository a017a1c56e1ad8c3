"""One migrated database per run, emptied after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from reservation_db.testing import temporary_database, truncate_all
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


@pytest.fixture(scope="session")
async def engine() -> AsyncIterator[AsyncEngine]:
    async with temporary_database(prefix="rdb_test") as url:
        eng = create_async_engine(url, pool_size=3, max_overflow=2)
        yield eng
        await eng.dispose()


@pytest.fixture
async def sm(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    yield async_sessionmaker(engine, expire_on_commit=False)
    await truncate_all(engine)
