"""Helpers for the fair-use tests: reservations placed with their slots, catalog checks."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from reservation_be.reservations import repository as reservations_repository
from reservation_db.models import OutboxMessage
from reservation_db.models.reservation import Reservation
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

CATALOG = Path(__file__).resolve().parents[3] / "docs" / "events" / "schemas"
PROBLEM = "application/problem+json"


def now() -> datetime:
    return datetime.now(UTC)


async def place(
    session: AsyncSession,
    *,
    site_id: uuid.UUID,
    resource_id: uuid.UUID,
    owner_id: str,
    start: datetime,
    end: datetime,
    status: str = "confirmed",
) -> uuid.UUID:
    """A reservation written directly (e.g. an active one, which only the scheduler makes),
    with its slots."""
    reservation = Reservation(
        id=uuid.uuid4(),
        site_id=site_id,
        resource_id=resource_id,
        owner_id=owner_id,
        created_by=owner_id,
        title="placed",
        period=Range(start, end, bounds="[)"),
        status=status,
    )
    session.add(reservation)
    await session.flush()
    await reservations_repository.insert_slots(
        session, reservation_id=reservation.id, resource_id=resource_id, period=reservation.period
    )
    await session.commit()
    return reservation.id


async def events_of(session: AsyncSession, reservation_id: uuid.UUID | str) -> list[dict[str, Any]]:
    rows = await session.execute(select(OutboxMessage.payload).order_by(OutboxMessage.created_at))
    return [
        p for p in rows.scalars().all() if p["data"]["reservation"]["id"] == str(reservation_id)
    ]


def valid(event: dict[str, Any]) -> dict[str, Any]:
    """The event, once it validates against its schema in the committed catalog."""
    schema = json.loads((CATALOG / f"{event['type']}.json").read_text())
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(event)
    return event
