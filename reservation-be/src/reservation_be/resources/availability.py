"""Free units of a resource over time: what a booking of it could still take.

The units of a resource are its slot lanes (docs/architecture.md, capacity). In each piece of
the window between two starts or ends of holds, the free units are the capacity minus the
units held on the resource; a hold on a resource below it leaves none (a booking of the
resource holds every unit of its subtree). Consecutive pieces with as many free units are one
span. An answer, not a promise: the booking's insert decides.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

_FREE_UNITS = text(
    """
WITH RECURSIVE below(id, depth) AS (
    SELECT c.id, 1 FROM resources c WHERE c.parent_id = :resource_id
    UNION ALL
    SELECT c.id, b.depth + 1 FROM resources c JOIN below b ON c.parent_id = b.id
    WHERE b.depth < 64
),
win AS (SELECT tstzrange(:start, :end, '[)') AS w),
held AS (
    SELECT s.unit, s.period * win.w AS p, s.resource_id <> :resource_id AS from_below
    FROM reservation_slots s, win
    WHERE (s.resource_id = :resource_id OR s.resource_id IN (SELECT id FROM below))
      AND s.period && win.w
),
points AS (
    SELECT lower(w) AS t FROM win UNION SELECT upper(w) FROM win
    UNION SELECT lower(p) FROM held UNION SELECT upper(p) FROM held
),
cuts AS (SELECT t, lead(t) OVER (ORDER BY t) AS next FROM points)
SELECT cuts.t AS start, cuts.next AS end, cap.n AS capacity,
       CASE WHEN EXISTS (SELECT 1 FROM held h WHERE h.from_below
                         AND h.p && tstzrange(cuts.t, cuts.next, '[)')) THEN 0
            ELSE cap.n - (SELECT count(*) FROM held h WHERE NOT h.from_below
                          AND h.p && tstzrange(cuts.t, cuts.next, '[)'))
       END AS free
FROM cuts CROSS JOIN (SELECT resource_capacity(:resource_id) AS n) cap
WHERE cuts.next IS NOT NULL
ORDER BY cuts.t
"""
).bindparams(bindparam("resource_id", type_=UUID(as_uuid=True)))


async def free_units(
    session: AsyncSession, resource_id: uuid.UUID, *, start: datetime, end: datetime
) -> tuple[int, list[tuple[datetime, datetime, int]]]:
    """(capacity, [(start, end, free units)]) over [start, end), adjacent equal spans merged."""
    rows = (
        await session.execute(_FREE_UNITS, {"resource_id": resource_id, "start": start, "end": end})
    ).all()
    capacity = int(rows[0].capacity) if rows else 1
    spans: list[tuple[datetime, datetime, int]] = []
    for row in rows:
        free = max(0, int(row.free))
        if spans and spans[-1][2] == free and spans[-1][1] == row.start:
            spans[-1] = (spans[-1][0], row.end, free)
        else:
            spans.append((row.start, row.end, free))
    return capacity, spans
