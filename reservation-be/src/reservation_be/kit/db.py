"""Engine, sessions and the request-scoped unit of work.

The request dependency owns the transaction: it commits when the endpoint returned and rolls
back when anything raised. Services and repositories only ``flush``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from reservation_db.engine import PING_WHEN_IDLE_FOR, ping_when_idle
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from reservation_be.settings import Settings


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


async def statements_alone(session: AsyncSession) -> None:
    """The rest of a request that only reads runs statement by statement, each its own
    transaction (a read sees one snapshot): no BEGIN before them, nothing sent at COMMIT, two
    round trips fewer. Nothing changes when the session already holds a transaction (the
    users-row sync wrote in it)."""
    if not session.in_transaction():
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


# scope="function": commit before the response is sent, so a failed commit is still reported.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
