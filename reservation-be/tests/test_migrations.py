from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from reservation_be.testing import temporary_database
from reservation_db.migrations import alembic_config
from reservation_db.models import Base
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

CORE_TABLES = {
    "users",
    "ssh_keys",
    "sites",
    "site_members",
    "outbox",
    "notifications",
    "audit_log",
    "idempotency_keys",
}


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_cli_migrate_creates_the_schema_and_is_idempotent():
    async with temporary_database(prefix="rbe_cli", migrate=False) as url:
        env = {**os.environ, "RESERVATION_BE_DATABASE_URL": url}
        for _ in range(2):
            done = await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "-m", "reservation_be", "migrate"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stderr[-3000:]
        assert await _tables(url) >= CORE_TABLES


async def test_core_revision_downgrades_cleanly():
    from alembic import command

    async with temporary_database(prefix="rbe_down", migrate=False) as url:
        config = alembic_config(url)
        await asyncio.to_thread(command.upgrade, config, "0001_core")
        assert await _tables(url) >= CORE_TABLES
        await asyncio.to_thread(command.downgrade, config, "base")
        assert await _tables(url) == {"alembic_version"}


async def test_core_models_match_the_migrations(database_url):
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
            )
    finally:
        await engine.dispose()

    def table_of(op) -> str | None:
        for item in op if isinstance(op, list) else [op]:
            for part in item[1:]:
                name = getattr(part, "name", None)
                table = getattr(part, "table", None)
                if table is not None:
                    return str(table.name)
                if isinstance(part, str) and part in CORE_TABLES:
                    return part
                if name in CORE_TABLES:
                    return str(name)
        return None

    core_diff = [op for op in diff if table_of(op) in CORE_TABLES]
    assert core_diff == []


def test_invalid_settings_refuse_to_start():
    env = {**os.environ, "RESERVATION_BE_ENVIRONMENT": "production"}
    done = subprocess.run(
        [sys.executable, "-m", "reservation_be", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "dev default" in done.stderr
