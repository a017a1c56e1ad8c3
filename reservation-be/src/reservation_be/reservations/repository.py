"""Every query on reservations and their slots.

No function here checks for a free period before writing one: slots are inserted and the
exclusion constraint ``ex_reservation_slots_no_overlap`` decides. The caller runs the insert in a
savepoint and, on SQLSTATE 23P01, asks ``find_*_conflict`` whom it collided with.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from reservation_db.models import Blackout, Site, SiteMember, SiteRole, SshKey, User, detached
from reservation_db.models.reservation import Reservation
from reservation_db.models.reservation_slot import ReservationSlot
from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    Text,
    bindparam,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import TSTZRANGE, UUID, Range
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reservation_be.co_users import repository as co_users
from reservation_be.kit import driver
from reservation_be.reservations.schemas import ReservationSort
from reservation_be.resources.repository import SUBTREE, SUBTREE_SQL

_SORTS: dict[ReservationSort, Any] = {
    ReservationSort.START: (func.lower(Reservation.period).asc(), Reservation.id),
    ReservationSort.START_DESC: (func.lower(Reservation.period).desc(), Reservation.id),
    ReservationSort.CREATED: (Reservation.created_at.asc(), Reservation.id),
    ReservationSort.CREATED_DESC: (Reservation.created_at.desc(), Reservation.id),
}


async def get(session: AsyncSession, reservation_id: uuid.UUID) -> Reservation | None:
    return await session.get(Reservation, reservation_id)


async def get_for_update(session: AsyncSession, reservation_id: uuid.UUID) -> Reservation | None:
    stmt = (
        select(Reservation)
        .where(Reservation.id == reservation_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


_SLOTS: Table = ReservationSlot.__table__  # type: ignore[assignment]
_HELD = aliased(ReservationSlot, name="held")
_ABOVE = aliased(Reservation, name="above")
_INSIDE = aliased(ReservationSlot, name="inside")
_BELOW = aliased(Reservation, name="below")
_IN_SUBTREE = select(SUBTREE.c.id)

# Statements built once; the subtree root is the ``subtree_root`` parameter.
# Deepest first: the leaves are where competing bookings of parents and children meet, so a
# booking that has already lost there fails before it holds (and blocks others on) its parents.
# Every unit of every resource of the subtree; the root's when it has one unit (``whole``),
# otherwise ``_TAKE_UNITS`` picks the units of the pooled root (all of them when the quantity is
# its capacity, refused as a shortage when some are held).
_INSERT_SLOTS = text(
    f"""
WITH RECURSIVE {SUBTREE_SQL}
INSERT INTO reservation_slots (reservation_id, resource_id, unit, period)
SELECT :reservation_id, subtree.id, unit, :period
FROM subtree CROSS JOIN LATERAL generate_series(0, resource_capacity(subtree.id) - 1) unit
WHERE subtree.depth > 0 OR :whole
ORDER BY subtree.depth DESC, unit
"""  # noqa: S608 (constant text, no input)
).bindparams(
    bindparam("subtree_root", type_=UUID(as_uuid=True)),
    bindparam("reservation_id", type_=UUID(as_uuid=True)),
    bindparam("period", type_=TSTZRANGE()),
)

# A booking of ``quantity`` units of a resource of ``capacity``: at every instant of the period
# the lowest units no other holder has then. The period is cut where another holder's slot
# starts or ends (``pieces``); each piece gets ``quantity`` free units, and the pieces one unit
# gets are merged (``range_agg``). Nothing is inserted when some piece has fewer free units:
# the answer names the fewest and where. The rows still go through the exclusion constraint:
# a holder this statement did not see (still uncommitted) makes the insert fail with 23P01.
_TAKE_UNITS = text(
    """
WITH held AS (
    SELECT unit, period * :period AS p FROM reservation_slots
    WHERE resource_id = :resource_id AND period && :period
),
points AS (
    SELECT lower(CAST(:period AS tstzrange)) AS t UNION SELECT upper(CAST(:period AS tstzrange))
    UNION SELECT lower(p) FROM held UNION SELECT upper(p) FROM held
),
cuts AS (SELECT t, lead(t) OVER (ORDER BY t) AS next FROM points),
pieces AS (SELECT tstzrange(t, next, '[)') AS piece FROM cuts WHERE next IS NOT NULL),
free AS (
    SELECT pieces.piece, g.u, row_number() OVER (PARTITION BY pieces.piece ORDER BY g.u) AS n
    FROM pieces CROSS JOIN generate_series(0, :capacity - 1) AS g(u)
    WHERE NOT EXISTS (SELECT 1 FROM held h WHERE h.unit = g.u AND h.p && pieces.piece)
),
counted AS (
    SELECT pieces.piece, count(free.u) AS free
    FROM pieces LEFT JOIN free ON free.piece = pieces.piece
    GROUP BY pieces.piece
),
fewest AS (SELECT piece, free FROM counted ORDER BY free, lower(piece) LIMIT 1),
taken AS (
    INSERT INTO reservation_slots (reservation_id, resource_id, unit, period)
    SELECT :reservation_id, :resource_id, chosen.u, chosen.merged
    FROM (SELECT u, unnest(range_agg(piece)) AS merged FROM free
          WHERE n <= :quantity AND (SELECT free FROM fewest) >= :quantity
          GROUP BY u) chosen
    ORDER BY chosen.u, chosen.merged
    RETURNING 1
)
SELECT (SELECT count(*) FROM taken) AS rows, free, lower(piece) AS at_start,
       upper(piece) AS at_end
FROM fewest
"""
).bindparams(
    bindparam("resource_id", type_=UUID(as_uuid=True)),
    bindparam("reservation_id", type_=UUID(as_uuid=True)),
    bindparam("period", type_=TSTZRANGE()),
)
_DROP_INHERITED = (
    delete(ReservationSlot)
    .where(
        ReservationSlot.reservation_id == Reservation.id,
        ReservationSlot.resource_id.in_(_IN_SUBTREE),
        Reservation.resource_id.not_in(_IN_SUBTREE),
        func.upper(ReservationSlot.period) > bindparam("now"),
    )
    .execution_options(synchronize_session=False)
)
# Blackouts (maintenance windows) of a resource above the subtree, as for reservations; a
# site-wide blackout holds every resource wherever it sits.
_DROP_INHERITED_BLACKOUTS = (
    delete(ReservationSlot)
    .where(
        ReservationSlot.blackout_id == Blackout.id,
        ReservationSlot.resource_id.in_(_IN_SUBTREE),
        Blackout.resource_id.not_in(_IN_SUBTREE),
        func.upper(ReservationSlot.period) > bindparam("now"),
    )
    .execution_options(synchronize_session=False)
)
# Each holder of the parent (a booking of it or above, a blackout) holds every unit of the new
# subtree over the union of its slots on the parent (a pooled booking may hold the parent's
# units in pieces).
_INHERIT = text(
    f"""
WITH RECURSIVE {SUBTREE_SQL},
holders AS (
    SELECT reservation_id, blackout_id, unnest(range_agg(period)) AS period
    FROM reservation_slots
    WHERE resource_id = :parent_id AND upper(period) > :now
    GROUP BY reservation_id, blackout_id
)
INSERT INTO reservation_slots (reservation_id, blackout_id, resource_id, unit, period)
SELECT h.reservation_id, h.blackout_id, subtree.id, unit, h.period
FROM holders h CROSS JOIN subtree
CROSS JOIN LATERAL generate_series(0, resource_capacity(subtree.id) - 1) unit
"""  # noqa: S608 (constant text, no input)
).bindparams(
    bindparam("subtree_root", type_=UUID(as_uuid=True)),
    bindparam("parent_id", type_=UUID(as_uuid=True)),
)
_BOOKING_CONFLICT = (
    select(Reservation)
    .join(ReservationSlot, ReservationSlot.reservation_id == Reservation.id)
    .where(
        ReservationSlot.resource_id.in_(_IN_SUBTREE),
        ReservationSlot.period.overlaps(bindparam("period", type_=TSTZRANGE())),
        Reservation.id != bindparam("exclude", type_=UUID(as_uuid=True)),
    )
    .order_by(func.lower(ReservationSlot.period))
    .limit(1)
)
_PLACEMENT_CONFLICT = (
    select(_ABOVE, _BELOW)
    .select_from(_HELD)
    .join(_ABOVE, _ABOVE.id == _HELD.reservation_id)
    .join(_INSIDE, _INSIDE.period.overlaps(_HELD.period))
    .join(_BELOW, _BELOW.id == _INSIDE.reservation_id)
    .where(
        _HELD.resource_id == bindparam("parent_id"),
        func.upper(_HELD.period) > bindparam("now"),
        _INSIDE.resource_id.in_(_IN_SUBTREE),
        _INSIDE.reservation_id != _HELD.reservation_id,
    )
    .limit(1)
)
_NO_RESERVATION = uuid.UUID(int=0)

# Bookings that could collide queue on one lock before their slots are inserted: the booked
# resource exclusively, each ancestor shared, root first. Without it, concurrent inserts of
# overlapping slots each put their GiST entry in, then wait for each other: a lock cycle per
# pair that PostgreSQL breaks only after ``deadlock_timeout``, one pair at a time.
# Taken inside the slot savepoint, so a booking that lost releases them at once.
# The keys are hashtextextended(resource id, 7497075): the seed keeps them apart from other
# advisory-lock users hashing the same text.
_LOCK_BOOKING = text(
    """
WITH RECURSIVE path(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM resources WHERE id = :resource_id
    UNION ALL
    SELECT r.id, r.parent_id, p.depth + 1 FROM resources r JOIN path p ON r.id = p.parent_id
    WHERE p.depth < 64
)
SELECT count(CASE WHEN depth = 0 THEN pg_advisory_xact_lock(key)
                  ELSE pg_advisory_xact_lock_shared(key) END)
FROM (SELECT depth, hashtextextended(id::text, 7497075) AS key
      FROM path ORDER BY depth DESC) ordered
"""
).bindparams(bindparam("resource_id", type_=UUID(as_uuid=True)))


@dataclass(frozen=True, slots=True)
class Shortage:
    """Fewer units of a pooled resource free than asked for: the fewest, and when."""

    free: int
    start: datetime
    end: datetime


async def insert_slots(
    session: AsyncSession,
    *,
    reservation_id: uuid.UUID,
    resource_id: uuid.UUID,
    period: Range[datetime],
    quantity: int = 1,
    capacity: int = 1,
) -> Shortage | None:
    """Hold ``quantity`` units of ``resource_id`` (of ``capacity``) and every unit of every
    descendant over ``period`` (23P01 on any overlap). A shortage of units of a pooled
    resource is returned; the caller refuses the booking and rolls back."""
    whole = capacity == 1
    await session.execute(
        _INSERT_SLOTS,
        {
            "subtree_root": resource_id,
            "reservation_id": reservation_id,
            "period": period,
            "whole": whole,
        },
    )
    if whole:
        return None
    return await take_units(
        session,
        reservation_id=reservation_id,
        resource_id=resource_id,
        period=period,
        quantity=quantity,
        capacity=capacity,
    )


async def take_units(
    session: AsyncSession,
    *,
    reservation_id: uuid.UUID,
    resource_id: uuid.UUID,
    period: Range[datetime],
    quantity: int,
    capacity: int,
) -> Shortage | None:
    """``quantity`` of the ``capacity`` units of ``resource_id`` at every instant of ``period``
    (see ``_TAKE_UNITS``); run after the booking's locks are held."""
    row = (
        await session.execute(
            _TAKE_UNITS,
            {
                "reservation_id": reservation_id,
                "resource_id": resource_id,
                "period": period,
                "quantity": quantity,
                "capacity": capacity,
            },
        )
    ).one()
    if row.free >= quantity:
        return None
    return Shortage(free=row.free, start=row.at_start, end=row.at_end)


async def lock_for_booking(session: AsyncSession, resource_id: uuid.UUID) -> None:
    """Queue behind every running booking that could overlap one of ``resource_id``.

    Bookings of the resource itself wait for each other, and so do bookings of it and of an
    ancestor; bookings of siblings do not. The exclusion constraint still decides: the lock only
    makes the losers wait for the winner's commit, one at a time, instead of for each other.
    """
    await session.execute(_LOCK_BOOKING, {"resource_id": resource_id})


async def delete_slots(session: AsyncSession, reservation_id: uuid.UUID) -> None:
    await session.execute(delete(_SLOTS).where(_SLOTS.c.reservation_id == reservation_id))


async def drop_inherited_slots(
    session: AsyncSession, subtree_root: uuid.UUID, *, now: datetime
) -> None:
    """Before a move: forget the current and future holds of reservations made above the subtree."""
    await session.execute(_DROP_INHERITED, {"subtree_root": subtree_root, "now": now})
    await session.execute(_DROP_INHERITED_BLACKOUTS, {"subtree_root": subtree_root, "now": now})


async def inherit_slots(
    session: AsyncSession, *, parent_id: uuid.UUID, subtree_root: uuid.UUID, now: datetime
) -> None:
    """Copy the parent's current and future holds onto a subtree newly placed under it.

    The parent's slots are exactly the reservations on the parent or its ancestors, so the
    copied rows make a booking made above the parent cover the new subtree too (23P01 when a
    reservation inside the subtree overlaps one of them).
    """
    await session.execute(
        _INHERIT, {"subtree_root": subtree_root, "parent_id": parent_id, "now": now}
    )


async def find_booking_conflict(
    session: AsyncSession,
    *,
    resource_id: uuid.UUID,
    period: Range[datetime],
    exclude: uuid.UUID | None = None,
) -> Reservation | None:
    """After a 23P01 on a booking: a committed reservation holding part of what it wanted."""
    params = {"subtree_root": resource_id, "period": period, "exclude": exclude or _NO_RESERVATION}
    return (await session.execute(_BOOKING_CONFLICT, params)).scalars().first()


@dataclass(frozen=True, slots=True)
class RivalBooking:
    """The committed reservation a refused booking collided with (what its 409 names)."""

    id: uuid.UUID
    site_id: uuid.UUID
    resource_id: uuid.UUID
    period: Range[datetime]
    status: str


@dataclass(frozen=True, slots=True)
class RivalBlackout:
    """The maintenance window a refused booking collided with, no reservation being in the way."""

    id: uuid.UUID
    site_id: uuid.UUID
    reason: str
    period: Range[datetime]


def rival_sql(period: str, whole: str) -> str:
    """The committed reservation holding part of ``period`` somewhere in ``subtree`` (the
    earliest), else the maintenance window: a ``SELECT`` of at most one row (blackout, id,
    site_id, resource_id, period, status, reason) for statements that define ``subtree(id,
    depth)``.

    ``period`` (a tstzrange; NULL finds nothing) and ``whole`` (a boolean) are SQL expressions
    of the statement that embeds the text: the booking's read takes them from the resource row
    it has joined (a ``LATERAL`` subquery), the lookup after a 23P01 from its parameter. The
    root's own slots count only when ``whole`` (a pooled root's units are counted by
    take_units instead). One scan of the slots, driven by the subtree: each of its resources is
    one probe of the exclusion constraint's index on (resource_id, period), never a scan of
    every slot over the period.
    """
    return f"""SELECT s.blackout_id IS NOT NULL AS blackout, coalesce(booked.id, blocked.id) AS id,
       coalesce(booked.site_id, blocked.site_id) AS site_id, booked.resource_id,
       coalesce(booked.period, blocked.period) AS period, booked.status, blocked.reason
FROM subtree
JOIN reservation_slots s ON s.resource_id = subtree.id AND s.period && {period}
LEFT JOIN reservations booked ON booked.id = s.reservation_id
LEFT JOIN blackouts blocked ON blocked.id = s.blackout_id
WHERE subtree.depth > 0 OR {whole}
ORDER BY s.blackout_id IS NOT NULL, lower(s.period)
LIMIT 1"""  # noqa: S608 (constant text, no input)


# find_booking_conflict (without ``exclude``) and, only when it finds nothing,
# fairuse.repository.find_blackout_conflict, in one statement.
_RIVAL = driver.Statement(
    f"""
WITH RECURSIVE {SUBTREE_SQL}
{rival_sql("CAST(:period AS tstzrange)", "true")}
"""
)


async def find_rival(
    session: AsyncSession,
    *,
    resource_id: uuid.UUID,
    period: Range[datetime],
    roll_back: bool,
) -> RivalBooking | RivalBlackout | None:
    """After a 23P01 on a booking: the committed reservation holding part of what it wanted
    (the earliest), else the maintenance window.

    ``roll_back``: the booking's transaction is still open and is rolled back on its
    connection first, then this is read there outside any transaction, in one round trip
    (``driver.rollback_then_fetchrow``); the caller calls ``session.rollback()`` right after.
    Otherwise (a savepoint was rolled back) it is read in the session's transaction.
    """
    params = {
        "subtree_root": resource_id,
        "period": asyncpg.Range(period.lower, period.upper, upper_inc=False),
    }
    row = await (driver.rollback_then_fetchrow if roll_back else driver.fetchrow)(
        session, _RIVAL, params
    )
    return None if row is None else rival_of(row)


def rival_of(row: asyncpg.Record, prefix: str = "") -> RivalBooking | RivalBlackout | None:
    """The rival in ``row``'s columns of ``rival_sql``'s answer (named ``prefix`` + name)."""
    if row[f"{prefix}id"] is None:
        return None
    period = row[f"{prefix}period"]
    held = Range(period.lower, period.upper, bounds="[)")
    if row[f"{prefix}blackout"]:
        return RivalBlackout(
            id=row[f"{prefix}id"],
            site_id=row[f"{prefix}site_id"],
            reason=row[f"{prefix}reason"],
            period=held,
        )
    return RivalBooking(
        id=row[f"{prefix}id"],
        site_id=row[f"{prefix}site_id"],
        resource_id=row[f"{prefix}resource_id"],
        period=held,
        status=row[f"{prefix}status"],
    )


async def find_holder_from_above(
    session: AsyncSession, *, resource_id: uuid.UUID, period: Range[datetime]
) -> Reservation | None:
    """A reservation of an ancestor (holding every unit of ``resource_id``) over ``period``."""
    stmt = (
        select(Reservation)
        .join(ReservationSlot, ReservationSlot.reservation_id == Reservation.id)
        .where(
            ReservationSlot.resource_id == resource_id,
            ReservationSlot.period.overlaps(period),
            Reservation.resource_id != resource_id,
        )
        .order_by(func.lower(ReservationSlot.period))
        .limit(1)
    )
    return (await session.execute(stmt)).scalars().first()


async def find_placement_conflict(
    session: AsyncSession, *, parent_id: uuid.UUID, subtree_root: uuid.UUID, now: datetime
) -> tuple[Reservation, Reservation] | None:
    """After a 23P01 on placing a subtree under ``parent_id``: (parent's, subtree's) bookings."""
    params = {"subtree_root": subtree_root, "parent_id": parent_id, "now": now}
    row = (await session.execute(_PLACEMENT_CONFLICT, params)).first()
    return (row[0], row[1]) if row is not None else None


def list_statement(
    *,
    site_ids: Sequence[uuid.UUID] | None,
    viewer_id: str | None = None,
    owner_id: str | None = None,
    mine: str | None = None,
    site_id: uuid.UUID | None = None,
    resource_ids: Sequence[uuid.UUID] | None = None,
    statuses: Sequence[str] | None = None,
    overlaps: Range[datetime] | None = None,
    sort: ReservationSort = ReservationSort.START,
) -> Select[Reservation]:
    """Reservations matching the filters; ``site_ids=None`` means every site (platform admin).

    Visibility: reservations in ``site_ids`` plus, when ``viewer_id`` is given, the viewer's own.
    ``mine``: only those this user owns or is a co-user of.
    """
    stmt = select(*Reservation.__table__.columns)
    if site_ids is not None:
        visible: ColumnElement[bool] = Reservation.site_id.in_(list(site_ids))
        if viewer_id is not None:
            visible = or_(visible, Reservation.owner_id == viewer_id)
        stmt = stmt.where(visible)
    if owner_id is not None:
        stmt = stmt.where(Reservation.owner_id == owner_id)
    if mine is not None:
        stmt = stmt.where(
            or_(Reservation.owner_id == mine, Reservation.id.in_(co_users.shared_with(mine)))
        )
    if site_id is not None:
        stmt = stmt.where(Reservation.site_id == site_id)
    if resource_ids is not None:
        stmt = stmt.where(Reservation.resource_id.in_(list(resource_ids)))
    if statuses:
        stmt = stmt.where(Reservation.status.in_(list(statuses)))
    if overlaps is not None:
        stmt = stmt.where(Reservation.period.overlaps(overlaps))
    return stmt.order_by(*_SORTS[sort])


# A listed reservation as the API writes it (schemas.ReservationListItem: its fields in their
# order, timestamps as kit.schemas.UTCDatetime writes them, extended_by as
# kit.types.format_duration does), built by PostgreSQL: a page of 100 is one text column per
# row instead of 20 decoded columns, 100 validated models and their serialisation, about half
# of the API's CPU for the calendar's page. tests/reservations/test_list_json.py holds it to
# the models' output.
def _timestamp(column: str) -> str:
    """``2026-01-02T03:04:05Z``, or ``...05.000123Z`` with microseconds (``isoformat``)."""
    utc = f"({column} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN"
        f" extract(microseconds FROM {column})::bigint % 1000000 = 0 THEN ''"
        f" ELSE to_char({utc}, '.US') END || 'Z'"
    )


def _duration(column: str) -> str:
    """``PT0S``, ``P2D`` when whole days, else ``PT26H30M``, ``PT1.5S``."""
    us = f"abs((extract(epoch FROM {column}) * 1000000)::bigint)"
    sign = f"CASE WHEN {column} < interval '0' THEN '-' ELSE '' END"
    seconds = (
        f"CASE WHEN {us} % 60000000 > 0 THEN rtrim(rtrim((({us} / 1000000) % 60)::text"
        f" || '.' || lpad(({us} % 1000000)::text, 6, '0'), '0'), '.') || 'S' ELSE '' END"
    )
    return (
        f"CASE WHEN {us} = 0 THEN 'PT0S'"
        f" WHEN {us} % 86400000000 = 0 THEN {sign} || 'P' || ({us} / 86400000000) || 'D'"
        f" ELSE {sign} || 'PT'"
        f" || CASE WHEN {us} >= 3600000000 THEN ({us} / 3600000000) || 'H' ELSE '' END"
        f" || CASE WHEN ({us} / 60000000) % 60 > 0 THEN (({us} / 60000000) % 60) || 'M'"
        f" ELSE '' END || {seconds} END"
    )


_EMBEDDED_RESOURCE = """(SELECT json_build_object(
    'id', x.id, 'name', x.name, 'location', x.location, 'type_id', x.type_id,
    'type_name', t.name, 'color', t.color)
  FROM resources x JOIN resource_types t ON t.id = x.type_id
  WHERE x.id = reservations.resource_id)"""


def _item_json(embed_resource: bool) -> str:
    r = "reservations."
    return f"""json_build_object(
    'id', {r}id, 'site_id', {r}site_id, 'resource_id', {r}resource_id,
    'owner_id', {r}owner_id, 'created_by', {r}created_by, 'title', {r}title,
    'description', {r}description,
    'start', {_timestamp(f"lower({r}period)")}, 'end', {_timestamp(f"upper({r}period)")},
    'status', {r}status, 'status_reason', {r}status_reason, 'parameters', {r}parameters,
    'provisioning', json_build_object(
        'state', {r}provisioning_state, 'message', {r}provisioning_message,
        'details', {r}provisioning_details,
        'updated_at', {_timestamp(f"{r}provisioning_updated_at")}),
    'version', {r}version, 'created_at', {_timestamp(f"{r}created_at")},
    'updated_at', {_timestamp(f"{r}updated_at")}, 'series_id', {r}series_id,
    'group_id', {r}group_id,
    'extended_by', {_duration(f"coalesce({r}extended_by, interval '0')")},
    'checked_in_at', {_timestamp(f"{r}checked_in_at")}, 'quantity', {r}quantity,
    'resource', {_EMBEDDED_RESOURCE if embed_resource else "NULL"})::text"""


_ITEM_JSON = {embed: literal_column(_item_json(embed), Text) for embed in (False, True)}


def as_item_json(stmt: Select[Any], *, embed_resource: bool) -> Select[Any]:
    """``stmt`` (of :func:`list_statement`) reading each reservation as its item's JSON text."""
    return stmt.with_only_columns(_ITEM_JSON[embed_resource]).select_from(Reservation.__table__)


async def owner_with_keys(session: AsyncSession, user_id: str) -> tuple[User, list[str]] | None:
    user = await session.get(User, user_id)
    if user is None:
        return None
    keys = await session.execute(
        select(SshKey.public_key).where(SshKey.user_id == user_id).order_by(SshKey.created_at)
    )
    return user, list(keys.scalars().all())


async def site_admin_ids(session: AsyncSession, site_id: uuid.UUID) -> list[str]:
    rows = await session.execute(
        select(SiteMember.user_id).where(
            SiteMember.site_id == site_id, SiteMember.role == SiteRole.SITE_ADMIN.value
        )
    )
    return list(rows.scalars().all())


async def is_site_admin(session: AsyncSession, site_id: uuid.UUID, user_id: str) -> bool:
    role = await session.execute(
        select(SiteMember.role).where(SiteMember.site_id == site_id, SiteMember.user_id == user_id)
    )
    return role.scalar_one_or_none() == SiteRole.SITE_ADMIN.value


def site_of(row: asyncpg.Record) -> Site:
    """The site of a row that carries its columns as ``site_id``, ``slug``, ``site_name``,
    ``site_description``, ``visibility``, ``site_version`` and ``site_time_zone`` (the booking's
    read and the availability read)."""
    return detached(
        Site,
        id=row["site_id"],
        slug=row["slug"],
        name=row["site_name"],
        description=row["site_description"],
        visibility=row["visibility"],
        version=row["site_version"],
        time_zone=row["site_time_zone"],
    )


# The availability read in one round trip: the site and the caller's role there (for the
# policy) with the holds, each list in the order of the ``held`` rows.
_BUSY_WITH_SITE = driver.Statement(
    f"""
WITH RECURSIVE {SUBTREE_SQL},
-- One row per holder and period; its slot rows on the resource are the units it takes (a
-- hold on a resource below it takes the whole resource).
held AS (
    SELECT s.reservation_id, s.period,
           CASE WHEN bool_or(s.resource_id <> :resource_id) THEN resource_capacity(:resource_id)
                ELSE count(*) END AS units
    FROM reservation_slots s
    WHERE s.resource_id IN (SELECT id FROM subtree) AND s.period && CAST(:period AS tstzrange)
    GROUP BY s.reservation_id, s.period
    ORDER BY lower(s.period), s.reservation_id
    LIMIT :limit
)
SELECT s.id AS site_id, s.slug, s.name AS site_name, s.description AS site_description,
       s.visibility, s.version AS site_version, s.time_zone AS site_time_zone,
       (SELECT role FROM site_members m WHERE m.site_id = s.id AND m.user_id = :actor_id)
           AS role,
       ARRAY(SELECT reservation_id FROM held ORDER BY lower(period), reservation_id) AS ids,
       ARRAY(SELECT lower(period) FROM held ORDER BY lower(period), reservation_id) AS starts,
       ARRAY(SELECT upper(period) FROM held ORDER BY lower(period), reservation_id) AS ends,
       ARRAY(SELECT units FROM held ORDER BY lower(period), reservation_id) AS units,
       resource_capacity(r.id) AS capacity
FROM resources r JOIN sites s ON s.id = r.site_id
WHERE r.id = :resource_id
"""  # noqa: S608 (constant text, no input)
)


async def busy_with_site(
    session: AsyncSession,
    resource_id: uuid.UUID,
    actor_id: str,
    period: Range[datetime],
    *,
    limit: int,
) -> tuple[Site, str | None, int, list[tuple[uuid.UUID, datetime, datetime, int]]] | None:
    """:func:`busy` with the resource's site and ``actor_id``'s role there, in one statement;
    None when there is no such resource. The caller authorises before showing anything."""
    row = await driver.fetchrow(
        session,
        _BUSY_WITH_SITE,
        {
            "resource_id": resource_id,
            "subtree_root": resource_id,
            "actor_id": actor_id,
            "period": asyncpg.Range(period.lower, period.upper, upper_inc=False),
            "limit": limit,
        },
        alone=True,
    )
    if row is None:
        return None
    site = site_of(row)
    holds = list(zip(row["ids"], row["starts"], row["ends"], row["units"], strict=True))
    return site, row["role"], int(row["capacity"]), holds
