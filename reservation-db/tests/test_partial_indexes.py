"""The indexes on series, group and maintenance window (0017) hold only the rows that have one,
and still serve every lookup that uses them: by value, and the foreign keys' own ``SET NULL``
and ``CASCADE`` statements (written as PostgreSQL's referential actions write them, planned
generic, so a parameter's value cannot be what proves the index's predicate)."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from alembic import command
from reservation_db.migrations import alembic_config
from reservation_db.testing import temporary_database
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_PARTIAL = {
    "ix_reservations_series_id": "(series_id IS NOT NULL)",
    "ix_reservations_group_id": "(group_id IS NOT NULL)",
    "ix_reservation_slots_blackout": "(blackout_id IS NOT NULL)",
}

# (statement, the index that must serve it); $1 is a uuid.
_LOOKUPS = [
    ("SELECT id FROM reservations WHERE series_id = $1", "ix_reservations_series_id"),
    ("SELECT id FROM reservations WHERE group_id = $1", "ix_reservations_group_id"),
    (
        "SELECT resource_id FROM reservation_slots WHERE blackout_id = $1",
        "ix_reservation_slots_blackout",
    ),
    # The referential actions of the foreign keys (ON DELETE SET NULL / CASCADE).
    (
        "UPDATE ONLY reservations SET series_id = NULL WHERE $1 OPERATOR(pg_catalog.=) series_id",
        "ix_reservations_series_id",
    ),
    (
        "UPDATE ONLY reservations SET group_id = NULL WHERE $1 OPERATOR(pg_catalog.=) group_id",
        "ix_reservations_group_id",
    ),
    (
        "DELETE FROM ONLY reservation_slots WHERE $1 OPERATOR(pg_catalog.=) blackout_id",
        "ix_reservation_slots_blackout",
    ),
]


async def _predicates(engine: AsyncEngine) -> dict[str, str | None]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = ANY(:names)"
            ),
            {"names": list(_PARTIAL)},
        )
        return {name: predicate for name, predicate in rows.all()}


async def test_the_indexes_hold_only_rows_with_a_value(engine: AsyncEngine) -> None:
    assert await _predicates(engine) == _PARTIAL


@pytest.mark.parametrize(("statement", "index"), _LOOKUPS)
async def test_every_lookup_is_served_by_its_partial_index(
    engine: AsyncEngine, statement: str, index: str
) -> None:
    conn = await asyncpg.connect(engine.url.set(drivername="postgresql").render_as_string(False))
    try:
        async with conn.transaction():
            # Small tables: no sequential scan, so the plan shows whether the index can serve
            # the statement at all; a generic plan, as the foreign keys' own statements.
            await conn.execute("SET LOCAL enable_seqscan = off")
            await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
            await conn.execute(f"PREPARE lookup(uuid) AS {statement}")
            rows = await conn.fetch("EXPLAIN EXECUTE lookup(gen_random_uuid())")
            await conn.execute("DEALLOCATE lookup")
    finally:
        await conn.close()
    plan = "\n".join(r[0] for r in rows)
    assert f" using {index} " in plan or f"Bitmap Index Scan on {index} " in plan, plan


async def test_downgrade_restores_the_full_indexes_and_upgrade_the_partial_ones() -> None:
    async with temporary_database(prefix="rdb_partial") as url:
        config = alembic_config(url)
        engine = create_async_engine(url)
        try:
            await asyncio.to_thread(command.downgrade, config, "0016_webhook_leased_index")
            assert await _predicates(engine) == dict.fromkeys(_PARTIAL)
            await asyncio.to_thread(command.upgrade, config, "head")
            assert await _predicates(engine) == _PARTIAL
        finally:
            await engine.dispose()
