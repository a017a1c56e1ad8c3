"""Engine, sessions and the request-scoped unit of work.

The request dependency owns the transaction: it commits when the endpoint returned and rolls
back when anything raised. Services and repositories only ``flush``.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from reservation_be.settings import Settings

# A pooled connection returned longer ago than this is pinged before it is handed out again;
# one in steady use is not (HikariCP's "alive bypass window" has the same default).
PING_WHEN_IDLE_FOR = 0.5
_RETURNED_AT = "reservation_returned_at"


def create_engine(
    settings: Settings,
    *,
    application_name: str = "reservation-be",
    pool_size: int | None = None,
    max_overflow: int | None = None,
    ping_when_idle_for: float = PING_WHEN_IDLE_FOR,
) -> AsyncEngine:
    engine = create_async_engine(
        settings.database_url,
        pool_size=settings.database_pool_size if pool_size is None else pool_size,
        max_overflow=settings.database_max_overflow if max_overflow is None else max_overflow,
        connect_args={"server_settings": {"application_name": application_name}},
    )
    ping_when_idle(engine, ping_when_idle_for)
    return engine


def ping_when_idle(engine: AsyncEngine, idle: float = PING_WHEN_IDLE_FOR) -> None:
    """Check a pooled connection at checkout only when it sat idle ``idle`` seconds or more.

    ``pool_pre_ping`` pings at every checkout: with asyncpg that is three round trips (BEGIN,
    an empty query, ROLLBACK) and a transaction on the server for every request. A connection
    returned a moment ago worked a moment ago; one that sat idle (where a database restart or
    an idle-connection reaper shows up) is pinged, and a dead one is replaced, together with
    every connection pooled before it, as ``pool_pre_ping`` does. A connection that dies
    within the window fails its request; the pool then drops every older connection.
    """
    dialect = engine.dialect
    pool = engine.sync_engine.pool

    def returned(dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < idle:
            return  # just connected, or in steady use
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise exc.InvalidatePoolError() from error
            raise

    event.listen(pool, "checkin", returned)
    event.listen(pool, "checkout", checked_out)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": commit before the response is sent, so a failed commit is still reported.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
