"""Connection-pool behaviour every service that opens the database shares."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["PING_WHEN_IDLE_FOR", "ping_when_idle"]

# A pooled connection returned longer ago than this is pinged before it is handed out again;
# one in steady use is not (HikariCP's "alive bypass window" has the same default).
PING_WHEN_IDLE_FOR = 0.5
_RETURNED_AT = "reservation_returned_at"


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
