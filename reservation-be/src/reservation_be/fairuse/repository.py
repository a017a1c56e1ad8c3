"""Every query of the fair-use domain: quotas, blackouts and their slots, usage."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from reservation_db.models import Blackout, Quota, SiteMember, User
from reservation_db.models.reservation import Reservation
from reservation_db.models.reservation_slot import ReservationSlot
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import TSTZRANGE, UUID, Range
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.resources.repository import SUBTREE, SUBTREE_SQL

# ---------------------------------------------------------------------------------------------
# Quotas


async def list_quotas(session: AsyncSession, site_id: uuid.UUID) -> list[Quota]:
    rows = await session.execute(
        select(Quota)
        .where(Quota.site_id == site_id)
        .order_by(Quota.resource_type_id.nulls_first(), Quota.user_id.nulls_first(), Quota.id)
    )
    return list(rows.scalars().all())


async def get_quota(session: AsyncSession, quota_id: uuid.UUID) -> Quota | None:
    return await session.get(Quota, quota_id)


async def member_sites_with_quotas(session: AsyncSession, user_id: str) -> list[uuid.UUID]:
    rows = await session.execute(
        select(SiteMember.site_id)
        .where(
            SiteMember.user_id == user_id,
            SiteMember.site_id.in_(select(Quota.site_id)),
        )
        .order_by(SiteMember.site_id)
    )
    return list(rows.scalars().all())


async def site_members(session: AsyncSession, site_id: uuid.UUID) -> list[tuple[str, str, str]]:
    """(user id, username, role) of every member of the site."""
    rows = await session.execute(
        select(SiteMember.user_id, User.username, SiteMember.role)
        .join(User, User.id == SiteMember.user_id)
        .where(SiteMember.site_id == site_id)
        .order_by(User.username)
    )
    return [(r.user_id, r.username, r.role) for r in rows]


# ---------------------------------------------------------------------------------------------
# Blackouts

# The resources a blackout holds (every unit of each): the resource alone, its subtree, or every
# resource of a site.
_BLACKOUT_SLOTS_SUBTREE = text(
    f"""
WITH RECURSIVE {SUBTREE_SQL}
INSERT INTO reservation_slots (blackout_id, resource_id, unit, period)
SELECT :blackout_id, id, unit, :period
FROM subtree CROSS JOIN LATERAL generate_series(0, resource_capacity(id) - 1) unit
ORDER BY depth DESC, unit
"""  # noqa: S608 (constant text, no input)
).bindparams(
    bindparam("subtree_root", type_=UUID(as_uuid=True)),
    bindparam("blackout_id", type_=UUID(as_uuid=True)),
    bindparam("period", type_=TSTZRANGE()),
)
_BLACKOUT_SLOTS_ONE = text(
    "INSERT INTO reservation_slots (blackout_id, resource_id, unit, period)"
    " SELECT :blackout_id, :resource_id, unit, :period"
    " FROM generate_series(0, resource_capacity(:resource_id) - 1) unit"
).bindparams(
    bindparam("resource_id", type_=UUID(as_uuid=True)),
    bindparam("blackout_id", type_=UUID(as_uuid=True)),
    bindparam("period", type_=TSTZRANGE()),
)
_BLACKOUT_SLOTS_SITE = text(
    "INSERT INTO reservation_slots (blackout_id, resource_id, unit, period)"
    " SELECT :blackout_id, id, unit, :period FROM resources"
    " CROSS JOIN LATERAL generate_series(0, resource_capacity(id) - 1) unit"
    " WHERE site_id = :site_id"
).bindparams(
    bindparam("site_id", type_=UUID(as_uuid=True)),
    bindparam("blackout_id", type_=UUID(as_uuid=True)),
    bindparam("period", type_=TSTZRANGE()),
)

# What holds a slot that a blackout would take (slots on the same resources over an overlapping
# period): reservations and other blackouts. ``resource_id`` NULL means the whole site.
_HOLDERS = text(
    """
WITH RECURSIVE subtree(id, depth) AS (
    SELECT id, 0 FROM resources WHERE id = :resource_id
    UNION ALL
    SELECT c.id, s.depth + 1 FROM resources c JOIN subtree s ON c.parent_id = s.id
    WHERE :with_subtree AND s.depth < 64
),
scope AS (
    SELECT id FROM subtree
    UNION ALL
    SELECT id FROM resources WHERE CAST(:resource_id AS uuid) IS NULL AND site_id = :site_id
)
SELECT DISTINCT s.reservation_id, s.blackout_id FROM reservation_slots s
WHERE s.resource_id IN (SELECT id FROM scope) AND s.period && :period
"""
).bindparams(
    bindparam("resource_id", type_=UUID(as_uuid=True)),
    bindparam("site_id", type_=UUID(as_uuid=True)),
    bindparam("period", type_=TSTZRANGE()),
)


async def insert_blackout_slots(session: AsyncSession, blackout: Blackout) -> None:
    params = {"blackout_id": blackout.id, "period": blackout.period}
    if blackout.scope == "site":
        await session.execute(_BLACKOUT_SLOTS_SITE, {**params, "site_id": blackout.site_id})
    elif blackout.scope == "subtree":
        await session.execute(
            _BLACKOUT_SLOTS_SUBTREE, {**params, "subtree_root": blackout.resource_id}
        )
    else:
        await session.execute(_BLACKOUT_SLOTS_ONE, {**params, "resource_id": blackout.resource_id})


def _scope_params(blackout: Blackout) -> dict[str, object]:
    return {
        "resource_id": blackout.resource_id,
        "site_id": blackout.site_id,
        "with_subtree": blackout.scope != "resource",
        "period": blackout.period,
    }


async def holders(session: AsyncSession, blackout: Blackout) -> list[Reservation]:
    """Reservations holding part of what ``blackout`` would hold, locked, oldest start first."""
    rows = await session.execute(_HOLDERS, _scope_params(blackout))
    ids = [r.reservation_id for r in rows if r.reservation_id is not None]
    if not ids:
        return []
    rows = await session.execute(
        select(Reservation)
        .where(Reservation.id.in_(ids))
        .order_by(func.lower(Reservation.period), Reservation.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return list(rows.scalars().all())


async def overlapping_blackouts(session: AsyncSession, blackout: Blackout) -> list[Blackout]:
    rows = await session.execute(_HOLDERS, _scope_params(blackout))
    ids = [r.blackout_id for r in rows if r.blackout_id is not None]
    if not ids:
        return []
    found = await session.execute(select(Blackout).where(Blackout.id.in_(ids)))
    return list(found.scalars().all())


async def list_blackouts(
    session: AsyncSession,
    site_id: uuid.UUID,
    *,
    overlaps: Range[datetime] | None,
    resource_ids: Sequence[uuid.UUID] | None = None,
) -> list[Blackout]:
    stmt = select(Blackout).where(Blackout.site_id == site_id)
    if overlaps is not None:
        stmt = stmt.where(Blackout.period.overlaps(overlaps))
    if resource_ids is not None:
        stmt = stmt.where(
            (Blackout.resource_id.in_(list(resource_ids))) | Blackout.resource_id.is_(None)
        )
    stmt = stmt.order_by(func.lower(Blackout.period), Blackout.id).limit(1000)
    return list((await session.execute(stmt)).scalars().all())


_BLACKOUT_CONFLICT = (
    select(Blackout)
    .join(ReservationSlot, ReservationSlot.blackout_id == Blackout.id)
    .where(
        ReservationSlot.resource_id.in_(select(SUBTREE.c.id)),
        ReservationSlot.period.overlaps(bindparam("period", type_=TSTZRANGE())),
    )
    .order_by(func.lower(ReservationSlot.period))
    .limit(1)
)


async def find_blackout_conflict(
    session: AsyncSession, *, resource_id: uuid.UUID, period: Range[datetime]
) -> Blackout | None:
    """After a 23P01 on a booking that found no reservation in the way: the blackout."""
    params = {"subtree_root": resource_id, "period": period}
    return (await session.execute(_BLACKOUT_CONFLICT, params)).scalars().first()
