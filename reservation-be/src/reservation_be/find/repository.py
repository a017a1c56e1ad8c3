"""The find query: the earliest period in a window where N matching resources are free.

Computed in one statement over the slot index with range arithmetic: for each candidate, its
busy time is the multirange of the slots on its subtree (``range_agg``) inside the window, read
by one index scan per resource of the subtree (never a scan of other sites' slots); for a pool
(capacity > 1) on the pool itself only where fewer than ``quantity`` of its units are free;
subtracting it from the window leaves its free gaps; a gap ``[a, b)`` admits any start in
``[a + lead time, b - teardown grace - duration]`` (the held period, widened, fits). A sweep
over those closed intervals (+1 at each opening, -1 at each closing, openings first) finds the
first instant where at least N are open; the candidates open there are the answer. Under
opening hours each interval of starts is first cut to the starts whose period lies inside one
open span (computed from the site's wall clock by ``opening_hours.rules.starts_inside``, the
rule every booking is checked against), per resource where one has its own schedule.

This only proposes: booking inserts the slots and the exclusion constraint decides.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, INTERVAL, JSONB, TSTZRANGE, UUID, Range
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import DateTime, Numeric, String

from reservation_be.find.schemas import NumberRange
from reservation_be.opening_hours.service import StartsInside

_OPERATORS = {"gte": ">=", "gt": ">", "lte": "<=", "lt": "<"}


@dataclass(frozen=True)
class Filters:
    """Attribute filters as SQL over ``r.attributes`` with every value bound."""

    sql: str
    params: dict[str, Any]
    binds: list[Any]


def filters(attributes: dict[str, Any]) -> Filters:
    equal = {k: v for k, v in attributes.items() if not isinstance(v, NumberRange)}
    clauses = ["r.attributes @> :equal"]
    params: dict[str, Any] = {"equal": equal}
    binds: list[Any] = [bindparam("equal", type_=JSONB())]
    for index, (key, value) in enumerate(attributes.items()):
        if not isinstance(value, NumberRange):
            continue
        name = f"key_{index}"
        params[name] = key
        binds.append(bindparam(name, type_=String()))
        clauses.append(f"jsonb_typeof(r.attributes -> :{name}) = 'number'")
        for bound, operator in _OPERATORS.items():
            limit = getattr(value, bound)
            if limit is None:
                continue
            param = f"{name}_{bound}"
            params[param] = limit
            binds.append(bindparam(param, type_=Numeric()))
            clauses.append(f"(r.attributes ->> :{name})::numeric {operator} :{param}")
    return Filters(" AND ".join(clauses), params, binds)


# The matching resources; where they nest (a rack and its servers, all of the type), only the
# innermost: then no two candidates are on one root-to-leaf path, any N of them can be booked
# together, and counting them counts what a group can get.
_CANDIDATES = """
matching AS (
    SELECT r.id, r.name, r.attributes, r.parent_id,
           coalesce(r.capacity, t.capacity) AS capacity
    FROM resources r JOIN resource_types t ON t.id = r.type_id
    WHERE r.site_id = :site_id AND r.type_id = :type_id AND r.status = 'active' AND {filters}
),
above(id, depth) AS (
    SELECT parent_id, 1 FROM matching WHERE parent_id IS NOT NULL
    UNION
    SELECT r.parent_id, a.depth + 1 FROM resources r JOIN above a ON r.id = a.id
    WHERE r.parent_id IS NOT NULL AND a.depth < 64
),
inner_most AS (SELECT * FROM matching WHERE id NOT IN (SELECT id FROM above)),
-- A pool too small for the quantity is never a candidate.
cand AS (SELECT id, name, attributes, capacity FROM inner_most WHERE capacity >= :quantity)
"""

# Only fixed fragments are formatted into the statements (``filters`` names bound parameters);
# every value a client sent is bound.
_COUNT = """
WITH RECURSIVE {candidates}
SELECT (SELECT count(*) FROM cand) AS fitting, (SELECT max(capacity) FROM inner_most) AS largest
"""

_FIND = """
WITH RECURSIVE {candidates},
sub(root, id, depth) AS (
    SELECT id, id, 0 FROM cand
    UNION ALL
    SELECT s.root, c.id, s.depth + 1 FROM resources c JOIN sub s ON c.parent_id = s.id
    WHERE s.depth < 64
),
-- Per resource of the subtrees, an index scan of its own slots in the window (the aggregate
-- keeps the planner from turning this into one scan of every site's slots in the window).
-- Any slot below a candidate makes it busy (a booking holds its whole subtree), and so does
-- any slot on a candidate of capacity 1; a pool is read by ``pooled``.
busy AS (
    SELECT sub.root, range_agg(held.periods) AS periods
    FROM sub JOIN cand ON cand.id = sub.root CROSS JOIN LATERAL (
        SELECT range_agg(sl.period) AS periods FROM reservation_slots sl
        WHERE sl.resource_id = sub.id AND sl.period && :search
          AND (sub.depth > 0 OR cand.capacity = 1)
    ) AS held
    WHERE held.periods IS NOT NULL
    GROUP BY sub.root
),
-- A pool (capacity > 1) is busy where more than capacity - quantity of its units are held:
-- each slot row on it is one unit, so a sweep over its rows (+1 at a start, -1 at an end)
-- counts the units held between two consecutive edges. One index scan of its own slots.
pooled AS (
    SELECT cand.id AS root, range_agg(tstzrange(units.t, units.next, '[)')) AS periods
    FROM cand CROSS JOIN LATERAL (
        SELECT edge.t, lead(edge.t) OVER (ORDER BY edge.t) AS next,
               sum(edge.delta) OVER (ORDER BY edge.t) AS held
        FROM (
            SELECT e.t, sum(e.delta) AS delta FROM reservation_slots sl
            CROSS JOIN LATERAL (VALUES (lower(sl.period), 1), (upper(sl.period), -1)) AS e(t, delta)
            WHERE sl.resource_id = cand.id AND sl.period && :search AND cand.capacity > 1
            GROUP BY e.t
        ) AS edge
    ) AS units
    WHERE units.next IS NOT NULL AND units.held > cand.capacity - :quantity
    GROUP BY cand.id
),
fits AS (
    SELECT cand.id, greatest(lower(gap) + :lead, :earliest) AS lo,
           upper(gap) - :teardown - :duration AS hi
    FROM cand LEFT JOIN busy ON busy.root = cand.id LEFT JOIN pooled ON pooled.root = cand.id
    CROSS JOIN LATERAL unnest(
        tstzmultirange(:search) - coalesce(busy.periods, '{{}}'::tstzmultirange)
        - coalesce(pooled.periods, '{{}}'::tstzmultirange)
    ) AS gap
),
{open},
edges AS (SELECT lo AS t, 1 AS delta FROM open UNION ALL SELECT hi, -1 FROM open),
sweep AS (
    SELECT t, delta,
           sum(delta) OVER (ORDER BY t, delta DESC ROWS UNBOUNDED PRECEDING) AS free
    FROM edges
),
-- MATERIALIZED: computed once, not once per row of the join below.
first AS MATERIALIZED (SELECT min(t) AS t FROM sweep WHERE delta = 1 AND free >= :count)
SELECT first.t AS start, cand.id, cand.name, cand.attributes
FROM first
JOIN open ON open.lo <= first.t AND open.hi >= first.t
JOIN cand ON cand.id = open.id
ORDER BY cand.name, cand.id
LIMIT :limit
"""

_OPEN_ANY_TIME = "open AS (SELECT * FROM fits WHERE lo <= hi)"

# Under opening hours: each interval of starts meets the starts the hours allow (closed
# intervals, computed in Python from the site's wall clock: ``opening_hours.rules``), those of
# the resource's own schedule where it has one, else the type's and site's.
_OPEN_IN_HOURS = """
own(id, starts) AS (
    SELECT o.id, CAST(o.starts AS tstzmultirange)
    FROM unnest(CAST(:own_ids AS uuid[]), CAST(:own_starts AS text[])) AS o(id, starts)
),
open AS (
    SELECT fits.id, lower(piece) AS lo, upper(piece) AS hi
    FROM fits LEFT JOIN own ON own.id = fits.id
    CROSS JOIN LATERAL unnest(
        tstzmultirange(tstzrange(fits.lo, fits.hi, '[]'))
        * coalesce(own.starts, CAST(:default_starts AS tstzmultirange),
                   tstzmultirange(tstzrange(NULL, NULL)))
    ) AS piece
    WHERE fits.lo <= fits.hi
)"""


def _multirange(intervals: list[tuple[datetime, datetime]]) -> str:
    """Closed intervals as a tstzmultirange literal."""
    return "{" + ",".join(f'["{lo.isoformat()}","{hi.isoformat()}"]' for lo, hi in intervals) + "}"


_KNOWN_KEYS = text(
    """
SELECT DISTINCT key FROM resources r, jsonb_object_keys(r.attributes) AS key
WHERE r.site_id = :site_id AND r.type_id = :type_id AND key = ANY(:keys)
"""
).bindparams(
    bindparam("site_id", type_=UUID(as_uuid=True)), bindparam("type_id", type_=UUID(as_uuid=True))
)


async def known_attributes(
    session: AsyncSession, *, site_id: uuid.UUID, type_id: uuid.UUID, keys: list[str]
) -> set[str]:
    rows = await session.execute(
        _KNOWN_KEYS, {"site_id": site_id, "type_id": type_id, "keys": keys}
    )
    return set(rows.scalars())


def _base_binds(where: Filters) -> list[Any]:
    return [
        bindparam("site_id", type_=UUID(as_uuid=True)),
        bindparam("type_id", type_=UUID(as_uuid=True)),
        *where.binds,
    ]


@dataclass(frozen=True)
class Matching:
    fitting: int  # candidates whose capacity holds the quantity
    largest: int | None  # the largest capacity among the matching resources (None: none match)


async def count_matching(
    session: AsyncSession,
    *,
    site_id: uuid.UUID,
    type_id: uuid.UUID,
    where: Filters,
    quantity: int = 1,
) -> Matching:
    stmt = text(_COUNT.format(candidates=_CANDIDATES.format(filters=where.sql))).bindparams(
        *_base_binds(where)
    )
    params = {"site_id": site_id, "type_id": type_id, "quantity": quantity, **_json(where.params)}
    row = (await session.execute(stmt, params)).one()
    return Matching(int(row.fitting), None if row.largest is None else int(row.largest))


def _json(params: dict[str, Any]) -> dict[str, Any]:
    # JSONB binds take Python values; keep them as sent (bool stays bool, 1 stays 1).
    return {k: json.loads(json.dumps(v)) for k, v in params.items()}


@dataclass(frozen=True)
class Found:
    start: datetime
    resources: list[tuple[uuid.UUID, str, dict[str, Any]]]


async def first_free(
    session: AsyncSession,
    *,
    site_id: uuid.UUID,
    type_id: uuid.UUID,
    where: Filters,
    count: int,
    quantity: int = 1,
    earliest: datetime,
    latest_end: datetime,
    duration: timedelta,
    lead: timedelta,
    teardown: timedelta,
    limit: int,
    hours: StartsInside | None = None,
) -> Found | None:
    """The earliest start in ``[earliest, latest_end - duration]`` where ``count`` matching
    resources are free (with their subtrees, lead times and graces; a pool while ``quantity``
    of its units are), and up to ``limit`` of the resources free then, ordered by name; with
    ``hours``, only starts the opening hours allow."""
    in_hours = hours is not None and hours.restricts
    sql = _FIND.format(
        candidates=_CANDIDATES.format(filters=where.sql),
        open=_OPEN_IN_HOURS if in_hours else _OPEN_ANY_TIME,
    )
    hour_binds: list[BindParameter[Any]] = (
        [
            bindparam("own_ids", type_=ARRAY(UUID(as_uuid=True))),
            bindparam("own_starts", type_=ARRAY(String())),
            bindparam("default_starts", type_=String()),
        ]
        if in_hours
        else []
    )
    stmt = text(sql).bindparams(
        *_base_binds(where),
        *hour_binds,
        bindparam("search", type_=TSTZRANGE()),
        bindparam("earliest", type_=DateTime(timezone=True)),
        bindparam("lead", type_=INTERVAL()),
        bindparam("teardown", type_=INTERVAL()),
        bindparam("duration", type_=INTERVAL()),
    )
    params = {
        "site_id": site_id,
        "type_id": type_id,
        **_json(where.params),
        "search": Range(earliest - lead, latest_end + teardown, bounds="[)"),
        "earliest": earliest,
        "lead": lead,
        "teardown": teardown,
        "duration": duration,
        "count": count,
        "quantity": quantity,
        "limit": limit,
    }
    if in_hours:
        assert hours is not None
        params["own_ids"] = list(hours.own)
        params["own_starts"] = [_multirange(v) for v in hours.own.values()]
        params["default_starts"] = None if hours.default is None else _multirange(hours.default)
    rows = (await session.execute(stmt, params)).all()
    if not rows:
        return None
    return Found(rows[0].start, [(row.id, row.name, row.attributes) for row in rows])
