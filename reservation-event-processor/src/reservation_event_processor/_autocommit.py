"""Single statements of the hot path (the claim, the fan-out, the successes), sent straight to
asyncpg outside any transaction.

A single statement is atomic on its own; run outside BEGIN ... COMMIT it costs one round trip to
PostgreSQL instead of three. Only for work that is one statement: anything that must see or
undo several together takes a transaction (``session.begin()``).

The statements, their parameters and the reading of their rows stay in
``reservation_db.repositories``; only their execution is leaner. ``autocommit`` yields a
``DirectSession``, which offers the repositories the one thing these functions ask of a session,
``execute(statement, params)``, and nothing else (any other use fails loudly): the statement is
compiled once for asyncpg by SQLAlchemy's own compiler, its constants and bind processors
applied as SQLAlchemy would, and it runs on the pooled connection's asyncpg connection
(prepared once per connection by asyncpg's statement cache; the JSON codecs SQLAlchemy set on
it decode the rows alike). An ORM session, SQLAlchemy's execution context and result
processing cost about twice the driver's CPU per statement, and these three statements run
several times per event at a fixed rate (docs/performance.md, "Event pipeline, third pass").
Driver errors come out as SQLAlchemy's ``DBAPIError``; a connection that broke is invalidated
(``reservation_db.direct``, shared with the API).
"""

from __future__ import annotations

import contextlib
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import Any, cast

import asyncpg
from reservation_db.direct import raise_failure
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

__all__ = ["DirectSession", "autocommit"]


class _Compiled:
    """A statement compiled once: its SQL and how to lay out a call's parameters."""

    def __init__(
        self, statement: ClauseElement, dialect: Dialect, params: Mapping[str, Any]
    ) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=dialect))
        if any(bind.expanding for bind in compiled.binds.values()):
            # An expanding IN list would be rendered for the first call's length only.
            raise TypeError("statements with expanding parameters are not supported")
        # Literal parameters (``literal_execute``) are rendered into the SQL here, once.
        state = compiled.construct_expanded_state(dict(params))
        self.sql = state.statement
        names = state.positiontup or []
        # The types' bind processors, as SQLAlchemy's execution applies them (the expanded
        # state lists only those of expanded parameters). SQLAlchemy is pinned in uv.lock.
        processors = cast(
            dict[str, Callable[[Any], Any]],
            {**compiled._bind_processors, **state.processors},
        )
        values = state.parameters
        # Constants are laid out and processed once; a call's own parameters at each call.
        self._template = [
            processors[name](values[name]) if name in processors else values[name] for name in names
        ]
        self._slots: list[tuple[int, str, Callable[[Any], Any] | None]] = [
            (i, name, processors.get(name)) for i, name in enumerate(names) if name in params
        ]
        self._row: type[tuple[Any, ...]] | None = None

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        arguments = list(self._template)
        for i, name, process in self._slots:
            value = params[name]
            arguments[i] = value if process is None else process(value)
        return arguments

    def rows(self, records: list[asyncpg.Record]) -> list[tuple[Any, ...]]:
        if not records:
            return []
        if self._row is None:
            self._row = namedtuple("Row", list(records[0].keys()), rename=True)  # type: ignore[misc]
        make = self._row._make  # type: ignore[attr-defined]
        return [make(record) for record in records]


class _Rows:
    """What the repositories read of a result: iteration (rows by attribute or unpacking)
    and ``scalars()``."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self._rows)

    def all(self) -> list[tuple[Any, ...]]:
        return self._rows

    def scalars(self) -> list[Any]:
        return [row[0] for row in self._rows]


class DirectSession:
    """``execute(statement, params)`` on a pooled connection's asyncpg connection, nothing else."""

    _compiled: dict[int, tuple[ClauseElement, _Compiled]] = {}  # per statement, process-wide

    def __init__(self, connection: AsyncConnection, adapted: Any) -> None:
        """``adapted``: the dialect's adapter of the connection's asyncpg connection."""
        self._connection = connection
        self._adapted = adapted
        self._driver: asyncpg.Connection = adapted.driver_connection
        self._dialect = connection.dialect

    def _compile(self, statement: ClauseElement, params: Mapping[str, Any]) -> _Compiled:
        entry = self._compiled.get(id(statement))
        if entry is None or entry[0] is not statement:
            entry = self._compiled[id(statement)] = (
                statement,
                _Compiled(statement, self._dialect, params),
            )
        return entry[1]

    async def execute(self, statement: ClauseElement, params: Mapping[str, Any]) -> _Rows:
        compiled = self._compile(statement, params)
        arguments = compiled.arguments(params)
        try:
            records = await self._driver.fetch(compiled.sql, *arguments)
        except BaseException as error:
            await raise_failure(self._connection, self._adapted, compiled.sql, None, error)
        return _Rows(compiled.rows(records))


@contextlib.asynccontextmanager
async def autocommit(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A ``DirectSession`` on a connection of the sessionmaker's engine, typed as the session
    the repositories take (they only call ``execute`` on it)."""
    engine = cast(AsyncEngine, sessionmaker.kw["bind"])
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        yield cast(AsyncSession, DirectSession(connection, raw.dbapi_connection))
