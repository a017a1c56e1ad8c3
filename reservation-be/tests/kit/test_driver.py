"""kit/driver.py: statements sent through the session's own asyncpg connection."""

from __future__ import annotations

import pytest
from reservation_be.kit import driver
from reservation_be.kit.db import create_engine, create_sessionmaker, statements_alone
from reservation_db.models import Site
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

_READ = driver.Statement("SELECT now() = statement_timestamp() AS alone, :marker AS marker")


async def test_a_statement_alone_goes_without_a_transaction_when_none_is_open(session):
    row = await driver.fetchrow(session, _READ, {"marker": "x"}, alone=True)
    assert row is not None and row["marker"] == "x"
    # No BEGIN was sent: the server reports no transaction block open.
    adapted = (await (await session.connection()).get_raw_connection()).dbapi_connection
    assert adapted._transaction is None
    assert not adapted._connection.is_in_transaction()
    await session.commit()  # sends nothing, fails nothing


async def test_a_statement_alone_joins_the_transaction_already_open(session):
    await driver.fetchrow(session, _READ, {"marker": "first"})  # opens the transaction
    adapted = (await (await session.connection()).get_raw_connection()).dbapi_connection
    assert adapted._connection.is_in_transaction()
    await session.execute(text("SELECT pg_sleep(0.01)"))
    row = await driver.fetchrow(session, _READ, {"marker": "second"}, alone=True)
    assert row is not None
    # Still the same transaction: now() is its start, earlier than this statement's.
    assert row["alone"] is False
    assert adapted._connection.is_in_transaction()
    await session.rollback()


_WHERE_AM_I = driver.Statement(
    """
SELECT pg_backend_pid() AS pid,
       now() AS began, statement_timestamp() AS sent,
       (SELECT count(*) FROM sites WHERE slug = :slug) AS sites,
       (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid())
           AS advisory_locks
"""
)
_LOCK = driver.Statement("SELECT pg_advisory_xact_lock(7497075) AS locked")


async def test_rollback_then_fetchrow_reads_on_the_same_connection_after_the_rollback(
    settings, db
) -> None:
    engine = create_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with create_sessionmaker(engine)() as session:
            session.add(Site(slug="written-then-rolled-back", name="x"))
            await session.flush()
            await driver.fetchrow(session, _LOCK, {})
            before = await driver.fetchrow(session, _WHERE_AM_I, {"slug": "x"})
            assert before is not None and before["began"] < before["sent"]
            assert before["advisory_locks"] == 1
            row = await driver.rollback_then_fetchrow(
                session, _WHERE_AM_I, {"slug": "written-then-rolled-back"}
            )
            await session.rollback()
            assert row is not None
            # The same connection, the write and the lock gone, the read in a transaction
            # begun after the rolled-back one.
            assert row["pid"] == before["pid"]
            assert (row["sites"], row["advisory_locks"]) == (0, 0)
            assert row["began"] > before["sent"]
            # The session goes on as usual, on the connection it returned to the pool.
            session.add(Site(slug="kept", name="kept"))
            await session.commit()
            again = await driver.fetchrow(session, _WHERE_AM_I, {"slug": "kept"})
            assert again is not None
            assert (again["pid"], again["sites"]) == (before["pid"], 1)
            await session.rollback()
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    "send", [driver.rollback_then_fetchrow, driver.fetchrow], ids=["rollback", "statement"]
)
async def test_a_connection_that_dies_under_a_statement_is_not_returned_to_the_pool(
    settings, db, send
) -> None:
    """Its ROLLBACK or its statement fails (kit/driver.py, then reservation_db.direct)."""
    engine = create_engine(settings, pool_size=1, max_overflow=0, ping_when_idle_for=3600)
    admin = create_engine(settings, pool_size=1, max_overflow=0)
    try:
        sessions = create_sessionmaker(engine)
        async with sessions() as session:
            row = await driver.fetchrow(session, _WHERE_AM_I, {"slug": "x"})
            assert row is not None
            dead = row["pid"]
            async with admin.connect() as conn:
                assert (await conn.execute(select(func.pg_terminate_backend(dead)))).scalar_one()
            with pytest.raises(DBAPIError) as raised:
                await send(session, _WHERE_AM_I, {"slug": "x"})
            assert raised.value.connection_invalidated
            await session.rollback()
        # No ping at checkout (the connection was in use a moment ago): a dead connection put
        # back into the pool would fail this read.
        async with sessions() as session:
            row = await driver.fetchrow(session, _WHERE_AM_I, {"slug": "x"})
            assert row is not None and row["pid"] != dead
            await session.rollback()
    finally:
        await engine.dispose()
        await admin.dispose()


async def test_rollback_then_fetchrow_only_reads_when_no_transaction_is_open(session) -> None:
    # A booking alone: its refused write ended its own transaction; nothing to roll back.
    first = await driver.fetchrow(session, _WHERE_AM_I, {"slug": "x"}, alone=True)
    row = await driver.rollback_then_fetchrow(session, _WHERE_AM_I, {"slug": "x"})
    assert first is not None and row is not None
    assert row["pid"] == first["pid"]
    adapted = (await (await session.connection()).get_raw_connection()).dbapi_connection
    assert not adapted._connection.is_in_transaction()
    await session.rollback()


async def test_statements_alone_send_no_begin_when_no_transaction_is_open(session):
    await statements_alone(session)
    for _ in range(2):
        await session.execute(text("SELECT 1"))
        adapted = (await (await session.connection()).get_raw_connection()).dbapi_connection
        assert not adapted._connection.is_in_transaction()
    await session.commit()


async def test_statements_alone_leave_an_open_transaction_as_it_is(session):
    await session.execute(text("SELECT 1"))  # opens the transaction
    await statements_alone(session)
    await session.execute(text("SELECT 2"))
    adapted = (await (await session.connection()).get_raw_connection()).dbapi_connection
    assert adapted._connection.is_in_transaction()
    await session.rollback()
