"""Restore drill: the chart's backup script dumps a live database, its restore script loads the dump
into a new one, and the backend started on the copy serves the same data and still refuses a
double booking. Both scripts are the files the chart ships (helm/reservation-platform/files)."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path

import asyncpg
import httpx
from reservation_be.main import close_app, create_app
from reservation_be.testing.database import admin_url
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.reservations.factories import Lab, booking, hours_from_now, make_lab

FILES = Path(__file__).resolve().parents[3] / "helm" / "reservation-platform" / "files"


def _libpq_env(url: str, **extra: str) -> dict[str, str]:
    parsed = make_url(url)
    env = {
        **os.environ,
        "PGHOST": parsed.host or "127.0.0.1",
        "PGPORT": str(parsed.port or 5432),
        "PGUSER": parsed.username or "postgres",
        "PGDATABASE": parsed.database or "",
        **extra,
    }
    if parsed.password:
        env["PGPASSWORD"] = parsed.password
    return env


def _run(script: str, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["/bin/sh", str(FILES / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


async def _state(engine_url: str) -> dict[str, object]:
    """What must survive a restore, read straight from the tables."""
    dsn = make_url(engine_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        return {
            "reservations": [
                tuple(r)
                for r in await conn.fetch(
                    "SELECT id, status, version FROM reservations ORDER BY id"
                )
            ],
            "slots": await conn.fetchval("SELECT count(*) FROM reservation_slots"),
            "outbox": [
                tuple(r)
                for r in await conn.fetch(
                    "SELECT id, type, published_at IS NOT NULL FROM outbox ORDER BY id"
                )
            ],
            "audit": await conn.fetchval("SELECT count(*) FROM audit_log"),
        }
    finally:
        await conn.close()


async def test_backup_restores_into_a_new_database_that_serves_the_same_data(
    app, settings, client, auth, people, session, database_url, tmp_path
):
    lab: Lab = await make_lab(session, people)
    bob = await auth("bob")
    kept = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(0), hours_from_now(2)),
        headers=bob,
    )
    assert kept.status_code == 201, kept.text
    cancelled = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server2, hours_from_now(3), hours_from_now(4)),
        headers=bob,
    )
    assert cancelled.status_code == 201, cancelled.text
    gone = await client.post(f"/api/v1/reservations/{cancelled.json()['id']}/cancel", headers=bob)
    assert gone.status_code == 200, gone.text
    # One event already relayed, the others still waiting: both states must come back.
    await session.execute(
        text(
            "UPDATE outbox SET published_at = now()"
            " WHERE id = (SELECT id FROM outbox ORDER BY created_at, id LIMIT 1)"
        )
    )
    await session.commit()
    before = await _state(database_url)

    backups = tmp_path / "backups"
    backups.mkdir()
    started = time.perf_counter()
    out = _run("backup.sh", env=_libpq_env(database_url, BACKUP_DIR=str(backups)))
    backup_seconds = time.perf_counter() - started
    (dump,) = backups.glob("reservations-*.dump")
    assert str(dump) in out
    assert not list(backups.glob(".*partial"))

    target = f"rbe_restore_{uuid.uuid4().hex[:12]}"
    admin_dsn = make_url(admin_url()).set(drivername="postgresql")
    admin = await asyncpg.connect(admin_dsn.render_as_string(hide_password=False))
    restored_url = make_url(database_url).set(database=target).render_as_string(hide_password=False)
    try:
        await admin.execute(f'CREATE DATABASE "{target}"')
        started = time.perf_counter()
        _run("restore.sh", str(dump), env=_libpq_env(restored_url))
        restore_seconds = time.perf_counter() - started
        print(
            f"restore drill: backup {backup_seconds:.2f} s, restore {restore_seconds:.2f} s, "
            f"dump {dump.stat().st_size} bytes"
        )

        assert await _state(restored_url) == before

        restored_app = create_app(settings.model_copy(update={"database_url": restored_url}))
        try:
            transport = httpx.ASGITransport(app=restored_app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://restored") as c:
                read = await c.get(f"/api/v1/reservations/{kept.json()['id']}", headers=bob)
                assert read.status_code == 200, read.text
                assert read.json() == kept.json()
                assert read.headers["ETag"] == kept.headers["ETag"]
                old = await c.get(f"/api/v1/reservations/{cancelled.json()['id']}", headers=bob)
                assert old.json()["status"] == "cancelled"
                # The exclusion constraint came back with the data.
                clash = await c.post(
                    "/api/v1/reservations",
                    json=booking(lab.server1, hours_from_now(1), hours_from_now(3)),
                    headers=bob,
                )
                assert clash.status_code == 409, clash.text
                assert clash.json()["conflicting_reservation"]["id"] == kept.json()["id"]
                # ... and the hierarchy rule: the rack holds its servers.
                parent = await c.post(
                    "/api/v1/reservations",
                    json=booking(lab.rack, hours_from_now(1), hours_from_now(3)),
                    headers=bob,
                )
                assert parent.status_code == 409, parent.text
                fresh = await c.post(
                    "/api/v1/reservations",
                    json=booking(lab.server2, hours_from_now(3), hours_from_now(4)),
                    headers=bob,
                )
                assert fresh.status_code == 201, fresh.text
        finally:
            await close_app(restored_app)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        await admin.close()


def test_backup_keeps_the_newest_dumps_and_ignores_other_files(database_url, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    old = [backups / f"reservations-2026010{day}T031700Z.dump" for day in range(1, 5)]
    for path in old:
        path.write_bytes(b"old")
    unrelated = backups / "notes.txt"
    unrelated.write_text("keep me")

    _run("backup.sh", env=_libpq_env(database_url, BACKUP_DIR=str(backups), BACKUP_KEEP="2"))

    dumps = sorted(p.name for p in backups.glob("reservations-*.dump"))
    assert len(dumps) == 2
    assert dumps[0] == old[-1].name  # the newest old one, then today's
    assert unrelated.exists()


def test_a_failed_dump_leaves_no_file_that_looks_like_a_backup(database_url, tmp_path):
    backups = tmp_path / "backups"
    backups.mkdir()
    env = _libpq_env(database_url, BACKUP_DIR=str(backups), PGDATABASE="no_such_database")
    done = subprocess.run(
        ["/bin/sh", str(FILES / "backup.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert list(backups.iterdir()) == []
