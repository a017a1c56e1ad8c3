"""kit/driver.py: statements sent through the session's own asyncpg connection."""

from __future__ import annotations

from reservation_be.kit import driver
from sqlalchemy import text

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
