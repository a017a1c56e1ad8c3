"""Every query on reservations and their slots.

No function here checks for a free period before writing one: slots are inserted and the
exclusion constraint ``ex_reservation_slots_no_overlap`` decides. The caller runs the insert in a
savepoint and, on SQLSTATE 23P01, asks ``find_*_conflict`` whom it collided with.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, literal, or_, select, true
from sqlalchemy.dialects.postgresql import TSTZRANGE, UUID, Range
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reservation_be.models import SiteMember, SiteRole, SshKey, User
from reservation_be.models.reservation import Reservation
from reservation_be.models.reservation_slot import ReservationSlot
from reservation_be.reservations.schemas import ReservationSort
from reservation_be.resources.repository import subtree_cte

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


async def insert_slots(
    session: AsyncSession,
    *,
    reservation_id: uuid.UUID,
    resource_id: uuid.UUID,
    period: Range[datetime],
) -> None:
    """Hold ``resource_id`` and every descendant over ``period`` (23P01 on any overlap)."""
    st = subtree_cte(resource_id)
    await session.execute(
        insert(ReservationSlot).from_select(
            ["reservation_id", "resource_id", "period"],
            select(
                literal(reservation_id, UUID(as_uuid=True)),
                st.c.id,
                literal(period, TSTZRANGE()),
            ),
        )
    )


async def delete_slots(session: AsyncSession, reservation_id: uuid.UUID) -> None:
    await session.execute(
        delete(ReservationSlot).where(ReservationSlot.reservation_id == reservation_id)
    )


async def drop_inherited_slots(
    session: AsyncSession, subtree_root: uuid.UUID, *, now: datetime
) -> None:
    """Before a move: forget the current and future holds of reservations made above the subtree."""
    st = subtree_cte(subtree_root)
    inside = select(st.c.id)
    await session.execute(
        delete(ReservationSlot)
        .where(
            ReservationSlot.reservation_id == Reservation.id,
            ReservationSlot.resource_id.in_(inside),
            Reservation.resource_id.not_in(inside),
            func.upper(ReservationSlot.period) > now,
        )
        .execution_options(synchronize_session=False)
    )


async def inherit_slots(
    session: AsyncSession, *, parent_id: uuid.UUID, subtree_root: uuid.UUID, now: datetime
) -> None:
    """Copy the parent's current and future holds onto a subtree newly placed under it.

    The parent's slots are exactly the reservations on the parent or its ancestors, so the
    copied rows make a booking made above the parent cover the new subtree too (23P01 when a
    reservation inside the subtree overlaps one of them).
    """
    st = subtree_cte(subtree_root)
    held = aliased(ReservationSlot, name="held")
    await session.execute(
        insert(ReservationSlot).from_select(
            ["reservation_id", "resource_id", "period"],
            select(held.reservation_id, st.c.id, held.period)
            .select_from(held)
            .join(st, true())
            .where(held.resource_id == parent_id, func.upper(held.period) > now),
        )
    )


async def find_booking_conflict(
    session: AsyncSession,
    *,
    resource_id: uuid.UUID,
    period: Range[datetime],
    exclude: uuid.UUID | None = None,
) -> Reservation | None:
    """After a 23P01 on a booking: a committed reservation holding part of what it wanted."""
    st = subtree_cte(resource_id)
    stmt = (
        select(Reservation)
        .join(ReservationSlot, ReservationSlot.reservation_id == Reservation.id)
        .where(
            ReservationSlot.resource_id.in_(select(st.c.id)),
            ReservationSlot.period.overlaps(period),
        )
        .order_by(func.lower(ReservationSlot.period))
        .limit(1)
    )
    if exclude is not None:
        stmt = stmt.where(Reservation.id != exclude)
    return (await session.execute(stmt)).scalars().first()


async def find_placement_conflict(
    session: AsyncSession, *, parent_id: uuid.UUID, subtree_root: uuid.UUID, now: datetime
) -> tuple[Reservation, Reservation] | None:
    """After a 23P01 on placing a subtree under ``parent_id``: (parent's, subtree's) bookings."""
    st = subtree_cte(subtree_root)
    held = aliased(ReservationSlot, name="held")
    above = aliased(Reservation, name="above")
    inside = aliased(ReservationSlot, name="inside")
    below = aliased(Reservation, name="below")
    stmt = (
        select(above, below)
        .select_from(held)
        .join(above, above.id == held.reservation_id)
        .join(inside, inside.period.overlaps(held.period))
        .join(below, below.id == inside.reservation_id)
        .where(
            held.resource_id == parent_id,
            func.upper(held.period) > now,
            inside.resource_id.in_(select(st.c.id)),
            inside.reservation_id != held.reservation_id,
        )
        .limit(1)
    )
    row = (await session.execute(stmt)).first()
    return (row[0], row[1]) if row is not None else None


def list_statement(
    *,
    site_ids: Sequence[uuid.UUID] | None,
    viewer_id: str | None = None,
    owner_id: str | None = None,
    site_id: uuid.UUID | None = None,
    resource_ids: Sequence[uuid.UUID] | None = None,
    statuses: Sequence[str] | None = None,
    overlaps: Range[datetime] | None = None,
    sort: ReservationSort = ReservationSort.START,
) -> Select[Reservation]:
    """Reservations matching the filters; ``site_ids=None`` means every site (platform admin).

    Visibility: reservations in ``site_ids`` plus, when ``viewer_id`` is given, the viewer's own.
    """
    stmt = select(Reservation)
    if site_ids is not None:
        visible: ColumnElement[bool] = Reservation.site_id.in_(list(site_ids))
        if viewer_id is not None:
            visible = or_(visible, Reservation.owner_id == viewer_id)
        stmt = stmt.where(visible)
    if owner_id is not None:
        stmt = stmt.where(Reservation.owner_id == owner_id)
    if site_id is not None:
        stmt = stmt.where(Reservation.site_id == site_id)
    if resource_ids is not None:
        stmt = stmt.where(Reservation.resource_id.in_(list(resource_ids)))
    if statuses:
        stmt = stmt.where(Reservation.status.in_(list(statuses)))
    if overlaps is not None:
        stmt = stmt.where(Reservation.period.overlaps(overlaps))
    return stmt.order_by(*_SORTS[sort])


async def busy(
    session: AsyncSession, resource_id: uuid.UUID, period: Range[datetime], *, limit: int
) -> list[tuple[uuid.UUID, Range[datetime], uuid.UUID]]:
    """Holds overlapping ``period`` on the resource or below it: (reservation, period, site).

    Slots on the resource itself come from bookings of it and of its ancestors; slots below it
    from bookings of its descendants. Either way the resource cannot be booked then.
    """
    st = subtree_cte(resource_id)
    stmt = (
        select(ReservationSlot.reservation_id, ReservationSlot.period, Reservation.site_id)
        .join(Reservation, Reservation.id == ReservationSlot.reservation_id)
        .where(
            ReservationSlot.resource_id.in_(select(st.c.id)),
            ReservationSlot.period.overlaps(period),
        )
        .group_by(ReservationSlot.reservation_id, ReservationSlot.period, Reservation.site_id)
        .order_by(func.lower(ReservationSlot.period), ReservationSlot.reservation_id)
        .limit(limit)
    )
    rows = await session.execute(stmt)
    return [(r.reservation_id, r.period, r.site_id) for r in rows]


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
