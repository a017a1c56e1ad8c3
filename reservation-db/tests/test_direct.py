"""reservation_db.direct: a statement sent straight to the pooled connection's asyncpg connection
fails as SQLAlchemy's ``execute`` would, and a connection it broke never goes back to the pool."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from reservation_db.direct import raise_failure
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, InternalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


async def _fetch(connection: AsyncConnection, sql: str, *args: Any) -> list[asyncpg.Record]:
    """A statement as the API's ``kit/driver.py`` and the processor's ``_autocommit.py`` send it."""
    raw = await connection.get_raw_connection()
    try:
        records: list[asyncpg.Record] = await raw.driver_connection.fetch(sql, *args)  # type: ignore[union-attr]
    except BaseException as error:
        await raise_failure(connection, raw.dbapi_connection, sql, list(args), error)
    return records


async def _pid(connection: AsyncConnection) -> int:
    return int((await _fetch(connection, "SELECT pg_backend_pid() AS pid"))[0]["pid"])


@pytest.fixture
async def one(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """A pool of one connection, never pinged: a dead connection put back would fail the next
    checkout."""
    single = create_async_engine(
        engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0
    )
    yield single
    await single.dispose()


async def test_a_server_error_is_what_execute_raises_and_leaves_the_connection_as_it_was(
    one: AsyncEngine,
) -> None:
    async with one.connect() as connection:
        await connection.execute(text("CREATE TEMPORARY TABLE taken (id int PRIMARY KEY)"))
        await connection.commit()
        pid = await _pid(connection)
        await _fetch(connection, "INSERT INTO taken VALUES ($1)", 1)
        with pytest.raises(DBAPIError) as direct:
            await _fetch(connection, "INSERT INTO taken VALUES ($1)", 1)
        with pytest.raises(DBAPIError) as executed:
            await connection.execute(text("INSERT INTO taken VALUES (:id)"), {"id": 1})
        await connection.rollback()
        assert type(direct.value) is type(executed.value) is IntegrityError
        assert type(direct.value.orig) is type(executed.value.orig)
        assert direct.value.orig.sqlstate == "23505"  # type: ignore[union-attr]
        assert direct.value.statement == "INSERT INTO taken VALUES ($1)"
        assert direct.value.params == [1]
        assert not direct.value.connection_invalidated
        # The same connection goes on.
        assert not connection.invalidated
        assert await _pid(connection) == pid


async def test_a_connection_that_closed_is_invalidated(one: AsyncEngine) -> None:
    async with one.connect() as connection:
        dead = await _pid(connection)
        with pytest.raises(DBAPIError) as raised:
            await _fetch(connection, "SELECT pg_terminate_backend(pg_backend_pid())")
        assert raised.value.connection_invalidated
        assert connection.invalidated
    for _ in range(3):  # the pool hands out working connections afterwards
        async with one.connect() as connection:
            assert await _pid(connection) != dead


@pytest.mark.parametrize(
    ("error", "broken", "raised_as"),
    [
        (asyncpg.InterfaceError("another operation is in progress"), False, InterfaceError),
        (
            asyncpg.exceptions.InternalClientError("cannot switch to state 15"),
            False,
            InternalError,
        ),
        (ConnectionResetError("reset by peer"), False, DBAPIError),
        # The server's verdict, on a connection its caller knows is broken (a failed ROLLBACK).
        (asyncpg.DivisionByZeroError("division by zero"), True, DBAPIError),
    ],
    ids=["interface", "client", "socket", "said-broken"],
)
async def test_an_error_that_leaves_a_live_connection_in_no_known_state_invalidates_it(
    one: AsyncEngine, error: Exception, broken: bool, raised_as: type[DBAPIError]
) -> None:
    async with one.connect() as connection:
        first = await _pid(connection)
        raw = await connection.get_raw_connection()
        with pytest.raises(DBAPIError) as raised:
            await raise_failure(
                connection, raw.dbapi_connection, "SELECT 1", [], error, broken=broken
            )
        assert type(raised.value) is raised_as
        assert raised.value.__cause__ is error
        assert getattr(raised.value.orig, "sqlstate", None) == getattr(error, "sqlstate", None)
        assert raised.value.connection_invalidated
        assert connection.invalidated
    async with one.connect() as connection:
        assert await _pid(connection) != first


async def test_a_statement_cut_by_a_cancellation_takes_its_connection_with_it(
    one: AsyncEngine,
) -> None:
    async with one.connect() as connection:
        first = await _pid(connection)
        sleeping = asyncio.create_task(_fetch(connection, "SELECT pg_sleep(5)"))
        await asyncio.sleep(0.2)
        sleeping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sleeping
        assert connection.invalidated
    async with one.connect() as connection:
        assert await _pid(connection) != first
        # Closed, its backend gone.
        gone = "SELECT count(*) = 0 AS gone FROM pg_stat_activity WHERE pid = $1"
        for _ in range(50):
            if (await _fetch(connection, gone, first))[0]["gone"]:
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail("the cancelled statement's backend is still there")


@pytest.mark.parametrize("broken", [False, True], ids=["live", "said-broken"])
async def test_an_error_not_the_drivers_goes_on_as_it_is(one: AsyncEngine, broken: bool) -> None:
    async with one.connect() as connection:
        raw = await connection.get_raw_connection()
        error = ValueError("not a statement's")
        with pytest.raises(ValueError) as raised:
            await raise_failure(
                connection, raw.dbapi_connection, "SELECT 1", None, error, broken=broken
            )
        assert raised.value is error
        assert connection.invalidated is broken
