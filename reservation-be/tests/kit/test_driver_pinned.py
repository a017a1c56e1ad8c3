"""kit/driver.py ``pinned``: statements alone on a connection checked out for them, never two
connections for one session, nothing written outside the session's transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from reservation_be.kit import driver
from reservation_be.kit.db import create_engine, create_sessionmaker
from reservation_be.settings import Settings
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

_WHO = driver.Statement(
    "SELECT pg_backend_pid() AS pid, (SELECT count(*) FROM sites WHERE slug = :slug) AS sites"
)
_INSERT = driver.Statement(
    "INSERT INTO sites (slug, name, visibility) VALUES (:slug, 'x', 'public') RETURNING id"
)


@pytest.fixture
async def one_connection(settings: Settings, db: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A pool of one connection that nobody waits long for: a session that wanted a second
    connection while holding one would fail here instead of waiting."""
    engine = create_engine(settings, pool_size=1, max_overflow=0, ping_when_idle_for=3600)
    engine.sync_engine.pool._timeout = 2  # type: ignore[attr-defined]
    try:
        yield engine
    finally:
        await engine.dispose()


def _checked_out(engine: AsyncEngine) -> int:
    return engine.sync_engine.pool.checkedout()  # type: ignore[attr-defined,no-any-return]


async def test_statements_alone_run_on_the_pinned_connection_without_the_session_s(
    one_connection: AsyncEngine,
) -> None:
    async with create_sessionmaker(one_connection)() as session:
        async with driver.pinned(session):
            first = await driver.fetchrow(session, _WHO, {"slug": "x"}, alone=True)
            second = await driver.fetchrow(session, _WHO, {"slug": "x"}, alone=True)
            assert first is not None and second is not None
            assert first["pid"] == second["pid"]
            assert _checked_out(one_connection) == 1
            assert not session.in_transaction()  # the session itself checked out nothing
        assert _checked_out(one_connection) == 0
        await session.commit()


async def test_a_statement_in_a_transaction_gives_the_pinned_connection_back_first(
    one_connection: AsyncEngine,
) -> None:
    sessions = create_sessionmaker(one_connection)
    async with sessions() as session:
        async with driver.pinned(session):
            await driver.fetchrow(session, _WHO, {"slug": "x"}, alone=True)
            # Not alone: in the session's transaction, on the session's connection (the pool
            # has one: the pinned connection went back to it first).
            await driver.fetchrow(session, _INSERT, {"slug": "in-the-session"})
            assert session.in_transaction()
            assert _checked_out(one_connection) == 1
            # Statements alone now join the session's transaction too.
            row = await driver.fetchrow(session, _WHO, {"slug": "in-the-session"}, alone=True)
            assert row is not None and row["sites"] == 1
        await session.rollback()
    async with sessions() as session:
        row = await driver.fetchrow(session, _WHO, {"slug": "in-the-session"}, alone=True)
        assert row is not None and row["sites"] == 0  # rolled back with the session
        await session.rollback()


async def test_the_session_s_own_statements_are_refused_while_pinned_and_run_after_unpin(
    one_connection: AsyncEngine,
) -> None:
    async with create_sessionmaker(one_connection)() as session:
        async with driver.pinned(session):
            await driver.fetchrow(session, _WHO, {"slug": "x"}, alone=True)
            with pytest.raises(RuntimeError, match="while pinned"):
                await session.execute(text("SELECT 1"))
            await session.rollback()
            await driver.unpin(session)
            assert _checked_out(one_connection) == 0
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
        await session.rollback()


async def test_pinned_leaves_a_session_with_a_transaction_open_as_it_is(
    one_connection: AsyncEngine,
) -> None:
    async with create_sessionmaker(one_connection)() as session:
        await driver.fetchrow(session, _INSERT, {"slug": "first"})
        async with driver.pinned(session):
            row = await driver.fetchrow(session, _WHO, {"slug": "first"}, alone=True)
            assert row is not None and row["sites"] == 1  # in the session's transaction
        await session.rollback()


async def test_a_pinned_connection_that_dies_under_a_statement_is_not_returned_to_the_pool(
    settings: Settings, one_connection: AsyncEngine
) -> None:
    admin = create_engine(settings, pool_size=1, max_overflow=0)
    sessions = create_sessionmaker(one_connection)
    try:
        async with sessions() as session:
            async with driver.pinned(session):
                row = await driver.fetchrow(session, _WHO, {"slug": "x"}, alone=True)
                assert row is not None
                dead = row["pid"]
                async with admin.connect() as conn:
                    killed = await conn.execute(select(func.pg_terminate_backend(dead)))
                    assert killed.scalar_one()
                with pytest.raises(DBAPIError) as raised:
                    await driver.fetchrow(session, _WHO, {"slug": "x"}, alone=True)
                assert raised.value.connection_invalidated
            await session.rollback()
        assert _checked_out(one_connection) == 0
        # No ping at checkout: a dead connection put back into the pool would fail this read.
        async with sessions() as session:
            async with driver.pinned(session):
                row = await driver.fetchrow(session, _WHO, {"slug": "x"}, alone=True)
                assert row is not None and row["pid"] != dead
            await session.rollback()
    finally:
        await admin.dispose()
