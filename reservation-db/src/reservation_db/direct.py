"""Statements sent straight to the asyncpg connection under a pooled SQLAlchemy connection: what
their failures raise and what becomes of the connection.

Both services send their hottest statements past SQLAlchemy's execution layer, each its own way:
the API's booking write and availability read (``reservation_be/kit/driver.py``: ``:name``
statements, in the request session's transaction, traced) and the event processor's claim,
fan-out and successes (``reservation_event_processor/_autocommit.py``: the repositories'
statements, outside any transaction). Each runs its statement on the driver itself inside
``try``; its ``except`` hands the failure to ``raise_failure``, which gives it the meaning
SQLAlchemy's ``execute`` would have given it:

* a driver error (the server's verdict or asyncpg's own) is raised as the ``DBAPIError``
  subclass ``execute`` raises (``IntegrityError`` for 23P01, 23505 ...), translated by the
  dialect's own adapter: its ``orig`` carries the ``sqlstate``; a socket error is a
  ``DBAPIError`` too; anything else goes on as it is;
* a connection the failure left in no known state is invalidated (closed, never returned to
  the pool) and a ``DBAPIError`` says so (``connection_invalidated``): one that closed, one that
  failed otherwise than by the server's verdict (asyncpg's own or a socket error), one the
  caller says is broken, and one cut mid-statement by a cancellation (terminated first: nothing
  waits on it; the ``CancelledError`` goes on as it is);
* the server's verdict on a live connection leaves it as it was, in its transaction if one is
  open.

Nothing of this runs before a statement fails: the statements themselves cost what the driver
costs. It calls the private ``_handle_exception`` of SQLAlchemy's asyncpg adapter, at the
version pinned in ``uv.lock``: after an upgrade of SQLAlchemy, run
``reservation-db/tests/test_direct.py`` first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, NoReturn, Protocol, cast

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

__all__ = ["Pooled", "raise_failure"]


class Pooled(Protocol):
    """The pooled connection a statement ran under: an ``AsyncConnection``, or a connection
    checked out of the pool without one that offers the same two."""

    @property
    def dialect(self) -> Dialect: ...

    async def invalidate(self) -> None: ...


async def raise_failure(
    connection: Pooled,
    adapted: Any,
    sql: str,
    params: Sequence[Any] | None,
    error: BaseException,
    *,
    broken: bool = False,
) -> NoReturn:
    """Raise ``error``, the failure of ``sql`` sent on ``adapted`` (the dialect's adapter of the
    pooled connection of ``connection``, ``raw.dbapi_connection``), as ``execute`` would have.

    ``params`` go into the error's text (``None``: none). ``broken``: the connection is in no
    known state whatever the error (a failed ROLLBACK).
    """
    driver: asyncpg.Connection = adapted.driver_connection
    if isinstance(error, asyncio.CancelledError):
        # Cut mid-statement: its state is unknown; closing it gracefully would wait on it.
        driver.terminate()
        await connection.invalidate()
        raise error
    if not isinstance(error, Exception):
        raise error
    dialect = connection.dialect
    dbapi = dialect.loaded_dbapi
    orig = _driver_error(dbapi, adapted, error)
    broken = (
        broken
        or driver.is_closed()
        or (orig is not None and not isinstance(error, asyncpg.PostgresError))
    )
    if broken:
        await connection.invalidate()
    if orig is None:
        raise error
    if isinstance(orig, dbapi.Error):
        raise DBAPIError.instance(
            sql, params, orig, dbapi.Error, connection_invalidated=broken, dialect=dialect
        ) from error
    raise DBAPIError(sql, params, orig, connection_invalidated=broken) from error


def _driver_error(dbapi: Any, adapted: Any, error: Exception) -> Exception | None:
    """The dialect's error for the driver's ``error``, a socket error as it is, else None."""
    try:
        adapted._handle_exception(error)  # raises the dialect's error for the driver's
    except dbapi.Error as translated:
        return cast(Exception, translated)
    except Exception:
        return error if isinstance(error, OSError) else None
    raise AssertionError("_handle_exception always raises")  # pragma: no cover
