"""Durable state in one SQLite file: the job queue and each host's current booking.

A job is written before the webhook answers ``202``, so an acknowledged event survives a crash
(``kill -9``): at start, jobs that were running are queued again, and the work is idempotent.
A host's booking row holds the user-data token and the team's keys only while the host is
provisioned for that booking; releasing the host deletes the row, so the next booking never
sees the previous team's keys.

SQLite is the receiver's own small state, not the platform's database: one process, one file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Booking", "Store", "StoredJob", "StoredReport"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    reservation_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_event ON jobs (event_id, kind);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reservation_id TEXT NOT NULL,
    state TEXT NOT NULL,
    message TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS bookings (
    host TEXT PRIMARY KEY,
    reservation_id TEXT NOT NULL UNIQUE,
    token TEXT NOT NULL UNIQUE,
    user_data TEXT NOT NULL,
    state TEXT NOT NULL,
    keys TEXT NOT NULL DEFAULT '[]'
);
"""


_SELECT_BOOKING = "SELECT host, reservation_id, token, user_data, state, keys FROM bookings"
_BY_HOST = _SELECT_BOOKING + " WHERE host = ?"
_BY_RESERVATION = _SELECT_BOOKING + " WHERE reservation_id = ?"
_BY_TOKEN = _SELECT_BOOKING + " WHERE token = ?"


@dataclass(frozen=True)
class StoredJob:
    id: int
    event_id: str
    kind: str
    reservation_id: uuid.UUID
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class StoredReport:
    id: int
    reservation_id: uuid.UUID
    state: str
    message: str
    details: dict[str, Any]


@dataclass(frozen=True)
class Booking:
    host: str
    reservation_id: uuid.UUID
    token: str
    user_data: str
    state: str  # provisioning | ready
    keys: tuple[str, ...] = ()  # who may log in now (the owner's and the co-users' keys)


class Store:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(bookings)")}
        if "keys" not in columns:  # a state file from before the team's keys were kept
            self._db.execute("ALTER TABLE bookings ADD COLUMN keys TEXT NOT NULL DEFAULT '[]'")
        self._lock = threading.Lock()

    def close(self) -> None:
        self._db.close()

    # -- jobs -----------------------------------------------------------------------------

    def add_job(self, event_id: str, kind: str, payload: dict[str, Any]) -> bool:
        """Queue a job; False when this event's job is already queued or done."""
        rid = str(payload["reservation"]["id"])
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO jobs (event_id, kind, reservation_id, payload, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (event_id, kind, rid, json.dumps(payload), time.time()),
            )
        return cursor.rowcount == 1

    def requeue_running(self) -> int:
        """After a crash: what was running is queued again (the work is idempotent)."""
        with self._lock:
            cursor = self._db.execute("UPDATE jobs SET state = 'queued' WHERE state = 'running'")
        return cursor.rowcount

    def claim(self) -> StoredJob | None:
        """The oldest queued job of a reservation that has no job running."""
        with self._lock:
            row = self._db.execute(
                "SELECT id, event_id, kind, reservation_id, payload, attempts FROM jobs j"
                " WHERE state = 'queued' AND NOT EXISTS (SELECT 1 FROM jobs r"
                "  WHERE r.reservation_id = j.reservation_id AND r.state = 'running')"
                " ORDER BY id LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            self._db.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1 WHERE id = ?",
                (row[0],),
            )
        return StoredJob(row[0], row[1], row[2], uuid.UUID(row[3]), json.loads(row[4]), row[5] + 1)

    def finish(self, job_id: int, state: str = "done") -> None:
        with self._lock:
            self._db.execute("UPDATE jobs SET state = ? WHERE id = ?", (state, job_id))

    def requeue(self, job_id: int) -> None:
        self.finish(job_id, "queued")

    def pending(self) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')"
            ).fetchone()
        return int(row[0])

    # -- reports (sent in order; a report is kept until delivered or given up) ----------------

    def add_report(
        self, reservation_id: uuid.UUID, state: str, message: str, details: dict[str, Any]
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO reports (reservation_id, state, message, details) VALUES (?, ?, ?, ?)",
                (str(reservation_id), state, message, json.dumps(details)),
            )

    def next_report(self) -> StoredReport | None:
        with self._lock:
            row = self._db.execute(
                "SELECT id, reservation_id, state, message, details FROM reports"
                " ORDER BY id LIMIT 1"
            ).fetchone()
        if row is None:
            return None
        return StoredReport(row[0], uuid.UUID(row[1]), row[2], row[3], json.loads(row[4]))

    def delete_report(self, report_id: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM reports WHERE id = ?", (report_id,))

    def reports_pending(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM reports").fetchone()
        return int(row[0])

    # -- bookings -------------------------------------------------------------------------

    def booking_of_host(self, host: str) -> Booking | None:
        return self._booking(_BY_HOST, host)

    def booking_of_reservation(self, reservation_id: uuid.UUID) -> Booking | None:
        return self._booking(_BY_RESERVATION, str(reservation_id))

    def booking_by_token(self, token: str) -> Booking | None:
        return self._booking(_BY_TOKEN, token)

    def _booking(self, query: str, value: str) -> Booking | None:
        with self._lock:
            row = self._db.execute(query, (value,)).fetchone()
        if row is None:
            return None
        return Booking(row[0], uuid.UUID(row[1]), row[2], row[3], row[4], tuple(json.loads(row[5])))

    def put_booking(self, booking: Booking) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO bookings (host, reservation_id, token, user_data, state, keys)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (host) DO UPDATE SET"
                " reservation_id = excluded.reservation_id, token = excluded.token,"
                " user_data = excluded.user_data, state = excluded.state, keys = excluded.keys",
                (
                    booking.host,
                    str(booking.reservation_id),
                    booking.token,
                    booking.user_data,
                    booking.state,
                    json.dumps(list(booking.keys)),
                ),
            )

    def set_booking_state(self, host: str, state: str) -> None:
        with self._lock:
            self._db.execute("UPDATE bookings SET state = ? WHERE host = ?", (state, host))

    def set_booking_keys(self, host: str, keys: tuple[str, ...]) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE bookings SET keys = ? WHERE host = ?", (json.dumps(list(keys)), host)
            )

    def delete_booking(self, host: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM bookings WHERE host = ?", (host,))
