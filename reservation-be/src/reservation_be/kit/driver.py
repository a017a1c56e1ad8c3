"""Statements of the hot paths sent straight through asyncpg, on the request's own connection
and in its transaction.

For a statement that returns one row, SQLAlchemy's execution layer (compiled-cache lookup,
bind and result processors, ``Row`` objects, the greenlet hop) costs the API more CPU than
the round trip itself. The booking write and the availability read run here instead:

* on the connection and in the transaction of the request's ``AsyncSession`` (the session's
  BEGIN is sent if it was not yet, unless the statement goes ``alone`` while none is open;
  commit and rollback stay with ``kit/db.py``);
* prepared once per connection (asyncpg's statement cache), with ``:name`` parameters turned
  into ``$n`` at import;
* a failure raises the same ``sqlalchemy.exc.DBAPIError`` subclass as ``session.execute``
  would (``IntegrityError`` for 23P01 ...), so ``reservations.db_errors`` reads it as before,
  and a connection it broke is invalidated (``reservation_db.direct``, shared with the event
  processor);
* with tracing on, one span per statement inside the request's span (``kit/tracing.py``);
* within ``pinned(session)`` (the booking request's fast lane), statements sent ``alone``
  while the session holds no connection go on a connection checked out of the pool for them,
  without the session's own checkout, transaction bookkeeping and commit (a tenth of the
  API's CPU per booking). The first statement that needs a transaction, and ``unpin``, give
  that connection back first: the session then checks out its own, so one request never holds
  two connections and nothing is written outside the session's transaction.

``json``/``jsonb`` parameters are JSON text and come back parsed (the codecs SQLAlchemy's
dialect installs on every connection).

It reaches into private attributes of SQLAlchemy's asyncpg adapter (``_connection``,
``_transaction``, ``_start_transaction``, ``_call_and_discard``; ``_handle_exception`` in
``reservation_db.direct``), right at the version pinned in ``uv.lock``: after an upgrade of
SQLAlchemy, run ``reservation-db/tests/test_direct.py``, ``tests/kit/test_driver.py``,
``tests/reservations/test_fast_lane.py``, ``tests/reservations/test_conflict_answers.py``, the
contention tests and the contract tests before anything else.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import AsyncIterator, Mapping
from typing import Any

import asyncpg
from opentelemetry import trace
from opentelemetry.trace import Tracer
from reservation_db.direct import raise_failure
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util.concurrency import greenlet_spawn

__all__ = [
    "Statement",
    "connection",
    "fetch",
    "fetchrow",
    "pinned",
    "rollback_then_fetchrow",
    "trace_statements",
    "unpin",
]

_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_TRACERS: weakref.WeakKeyDictionary[Engine, Tracer] = weakref.WeakKeyDictionary()
_PINNED = "reservation_be.driver.pinned"


class Statement:
    """SQL with ``:name`` parameters, sent as ``$1 ... $n``."""

    def __init__(self, sql: str) -> None:
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        self.sql = _PARAMETER.sub(number, sql)
        self.names = tuple(names)
        self.verb = sql.split(None, 1)[0].upper()

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        return [params[name] for name in self.names]


def trace_statements(engine: Engine, tracer: Tracer) -> None:
    """Spans for this engine's statements sent here (tracing on)."""
    _TRACERS[engine] = tracer


class _Pin:
    """A connection checked out of the pool for ``session``'s statements sent alone; offers
    what ``reservation_db.direct.raise_failure`` needs of it."""

    __slots__ = ("adapted", "dialect", "raw")

    def __init__(self, raw: PoolProxiedConnection, dialect: Dialect) -> None:
        self.raw = raw
        self.adapted: Any = raw.dbapi_connection
        self.dialect = dialect

    async def invalidate(self) -> None:
        await greenlet_spawn(self.raw.invalidate)


@contextlib.asynccontextmanager
async def pinned(session: AsyncSession) -> AsyncIterator[None]:
    """Within the block, statements sent ``alone`` for ``session`` run on a connection of its
    engine's pool checked out for them, while the session holds none (else, or when the session
    is bound to a connection, nothing changes).
    Call ``unpin`` before the session's own statements (the ORM's, ``session.begin_nested``):
    they would check out a second connection, which is refused (``RuntimeError``)."""
    bind = session.get_bind()
    if session.in_transaction() or not isinstance(bind, Engine):
        yield
        return
    raw = await greenlet_spawn(bind.raw_connection)
    session.info[_PINNED] = _Pin(raw, bind.dialect)
    try:
        yield
    finally:
        await unpin(session)


async def unpin(session: AsyncSession) -> None:
    """Give back the connection ``pinned`` checked out for ``session`` (if any): what follows
    runs on the session's own connection."""
    pin: _Pin | None = session.info.pop(_PINNED, None)
    if pin is not None:
        await greenlet_spawn(pin.raw.close)


@event.listens_for(Session, "after_transaction_create")
def _refuse_second_connection(session: Session, transaction: Any) -> None:
    """Before the session checks out a connection of its own while pinned."""
    if _PINNED in session.info:
        raise RuntimeError("the session began a transaction of its own while pinned")


async def connection(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection of ``session``, its transaction begun."""
    return (await _connected(session))[1]._connection


async def _connected(
    session: AsyncSession, *, begin: bool = True
) -> tuple[AsyncConnection | _Pin, Any]:
    """The session's connection and the dialect's adapter around its asyncpg connection, after
    BEGIN (unless not ``begin``); not ``begin`` within ``pinned``: the pinned connection."""
    pin: _Pin | None = session.info.get(_PINNED)
    if pin is not None:
        if not begin:
            return pin, pin.adapted
        await unpin(session)
    connection = await session.connection()
    adapted: Any = (await connection.get_raw_connection()).dbapi_connection
    # The dialect sends BEGIN lazily, with the connection's first statement.
    if begin and adapted._transaction is None and not adapted.autocommit:
        async with adapted._execute_mutex:
            if adapted._transaction is None:
                await adapted._start_transaction()
    return connection, adapted


async def fetchrow(
    session: AsyncSession,
    statement: Statement,
    params: Mapping[str, Any],
    *,
    alone: bool = False,
) -> asyncpg.Record | None:
    """The statement's first row. ``alone``: a statement that needs no transaction around it
    (a read sees one snapshot; a write is atomic on its own) goes without BEGIN when the
    session has none open yet, and the session's COMMIT then sends nothing: one round trip
    instead of three. Inside an open transaction it runs in it."""
    rows = await _run(session, statement, params, one=True, begin=not alone)
    return rows[0] if rows else None


async def rollback_then_fetchrow(
    session: AsyncSession, statement: Statement, params: Mapping[str, Any]
) -> asyncpg.Record | None:
    """Roll back the transaction open on the session's connection (if any: a write ``alone``
    that failed ended its own), then one read on that connection outside any transaction;
    call ``session.rollback()`` right after.

    For the answer to a refused write: its locks are released by the ROLLBACK, sent first,
    and the read costs one round trip (no BEGIN, no checkout of a connection, no ROLLBACK of
    its own). The session still holds its transaction until ``session.rollback()``, which
    then has nothing left to send and ends it as usual. A connection whose ROLLBACK fails, or
    that closes during the read, is invalidated, never returned to the pool.
    """
    connection, adapted = await _connected(session, begin=False)
    if adapted._transaction is not None:
        try:
            # What the dialect's own rollback() does, awaited here.
            await adapted._call_and_discard(adapted._transaction.rollback)
        except BaseException as error:
            await raise_failure(connection, adapted, "ROLLBACK", [], error, broken=True)
    rows = await _run(session, statement, params, one=True, begin=False)
    return rows[0] if rows else None


async def fetch(
    session: AsyncSession, statement: Statement, params: Mapping[str, Any]
) -> list[asyncpg.Record]:
    return await _run(session, statement, params, one=False)


async def _run(
    session: AsyncSession,
    statement: Statement,
    params: Mapping[str, Any],
    *,
    one: bool,
    begin: bool = True,
) -> list[asyncpg.Record]:
    connection, adapted = await _connected(session, begin=begin)
    conn: asyncpg.Connection = adapted._connection
    args = statement.args(params)
    tracer = _TRACERS.get(session.get_bind()) if _TRACERS else None  # type: ignore[arg-type]
    span = None
    if tracer is not None and trace.get_current_span().get_span_context().is_valid:
        span = tracer.start_span(
            statement.verb,
            kind=trace.SpanKind.CLIENT,
            attributes={"db.system": "postgresql", "db.statement": statement.sql},
        )
    try:
        if one:
            row = await conn.fetchrow(statement.sql, *args)
            return [row] if row is not None else []
        rows: list[asyncpg.Record] = await conn.fetch(statement.sql, *args)
        return rows
    except BaseException as error:
        await raise_failure(connection, adapted, statement.sql, args, error)
    finally:
        if span is not None:
            span.end()
