"""A fleet of nodes with a fragmented calendar, written with bulk SQL, and an oracle that
answers "first start where N are free" by brute force over the same rows."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reservation_db.models import Site
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass
class Fleet:
    type_id: uuid.UUID
    nodes: list[tuple[uuid.UUID, str, dict[str, Any]]]
    busy: dict[uuid.UUID, list[tuple[datetime, datetime]]] = field(default_factory=dict)


async def make_fleet(
    session: AsyncSession,
    site: Site,
    owner_id: str,
    *,
    nodes: int,
    start: datetime,
    days: int,
    seed: int = 7,
    lead: timedelta = timedelta(0),
    teardown: timedelta = timedelta(0),
) -> Fleet:
    rng = random.Random(seed)
    type_id = uuid.uuid4()
    await session.execute(
        text(
            "INSERT INTO resource_types (id, site_id, name, lead_time, teardown_grace) "
            "VALUES (:id, :site, :name, :lead, :teardown)"
        ),
        {
            "id": type_id,
            "site": site.id,
            "name": f"node-{type_id.hex[:6]}",
            "lead": lead,
            "teardown": teardown,
        },
    )
    fleet = Fleet(type_id=type_id, nodes=[])
    resources, reservations, slots = [], [], []
    for i in range(nodes):
        node_id = uuid.uuid4()
        attributes = {"gpu": "a100" if i % 5 == 0 else "t4", "memory_gb": [64, 128, 256][i % 3]}
        fleet.nodes.append((node_id, f"node-{i:04d}", attributes))
        resources.append(
            {
                "id": node_id,
                "site": site.id,
                "type": type_id,
                "name": f"node-{i:04d}",
                "attributes": attributes,
            }
        )
        cursor = start + timedelta(minutes=rng.randrange(0, 600))
        end_of_calendar = start + timedelta(days=days)
        fleet.busy[node_id] = []
        while cursor < end_of_calendar:
            length = timedelta(minutes=30 * rng.randrange(1, 12))
            reservation_id = uuid.uuid4()
            fleet.busy[node_id].append((cursor, cursor + length))
            reservations.append(
                {
                    "id": reservation_id,
                    "site": site.id,
                    "resource": node_id,
                    "owner": owner_id,
                    "start": cursor,
                    "end": cursor + length,
                }
            )
            slots.append(
                {
                    "reservation": reservation_id,
                    "resource": node_id,
                    "start": cursor,
                    "end": cursor + length,
                }
            )
            cursor += length + timedelta(minutes=30 * rng.randrange(1, 16))
    await session.execute(
        text(
            "INSERT INTO resources (id, site_id, type_id, name, attributes) "
            "VALUES (:id, :site, :type, :name, CAST(:attributes AS jsonb))"
        ),
        [{**r, "attributes": __import__("json").dumps(r["attributes"])} for r in resources],
    )
    await session.execute(
        text(
            "INSERT INTO reservations (id, site_id, resource_id, owner_id, created_by, title, "
            "period, status) VALUES (:id, :site, :resource, :owner, :owner, 'busy', "
            "tstzrange(:start, :end, '[)'), 'confirmed')"
        ),
        reservations,
    )
    await session.execute(
        text(
            "INSERT INTO reservation_slots (reservation_id, resource_id, period) "
            "VALUES (:reservation, :resource, tstzrange(:start, :end, '[)'))"
        ),
        slots,
    )
    await session.commit()
    return fleet


def oracle(
    fleet: Fleet,
    *,
    count: int,
    earliest: datetime,
    latest_end: datetime,
    duration: timedelta,
    lead: timedelta = timedelta(0),
    teardown: timedelta = timedelta(0),
    match: Any = lambda attributes: True,
) -> tuple[datetime, set[uuid.UUID]] | None:
    """Brute force: the first start (earliest, or right after some slot ends) where ``count``
    matching nodes have nothing overlapping the held period."""
    nodes = [n for n in fleet.nodes if match(n[2])]
    starts = {earliest} | {
        end + lead for n in nodes for _, end in fleet.busy[n[0]] if end + lead >= earliest
    }
    for s in sorted(starts):
        if s + duration > latest_end:
            break
        held = (s - lead, s + duration + teardown)
        free = {
            n[0]
            for n in nodes
            if all(b_end <= held[0] or b_start >= held[1] for b_start, b_end in fleet.busy[n[0]])
        }
        if len(free) >= count:
            return s, free
    return None
