"""Sessions whose statements commit one by one, for work that is a single statement.

A single statement is atomic on its own; run outside BEGIN ... COMMIT it costs one round trip to
PostgreSQL instead of three. Only for work that is one statement: anything that must see or
undo several together takes a transaction (``session.begin()``).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["autocommit"]


@contextlib.asynccontextmanager
async def autocommit(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        # The connection goes back to the pool with its usual isolation level.
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session
