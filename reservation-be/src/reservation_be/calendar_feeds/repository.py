from __future__ import annotations

import uuid
from datetime import datetime

from reservation_db.models import Reservation, ReservationSlot, Resource, User
from sqlalchemy import Select, select
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

# Shown in a feed: what holds (or held) its period; cancelled, rejected and failed ones are not.
SHOWN = ("pending", "confirmed", "active", "completed")
MAX_EVENTS = 2000

FeedRow = tuple[Reservation, str, str]  # the reservation, its resource's name, owner's username


def _base(window: Range[datetime]) -> Select[Reservation, str, str]:
    return (
        select(Reservation, Resource.name, User.username)
        .join(Resource, Resource.id == Reservation.resource_id)
        .join(User, User.id == Reservation.owner_id)
        .where(Reservation.status.in_(SHOWN), Reservation.period.overlaps(window))
        .order_by(Reservation.period, Reservation.id)
        .limit(MAX_EVENTS)
    )


async def _rows(session: AsyncSession, stmt: Select[Reservation, str, str]) -> list[FeedRow]:
    return [(r, name, owner) for r, name, owner in await session.execute(stmt)]


async def of_owner(session: AsyncSession, user_id: str, window: Range[datetime]) -> list[FeedRow]:
    return await _rows(session, _base(window).where(Reservation.owner_id == user_id))


async def of_site(
    session: AsyncSession, site_id: uuid.UUID, window: Range[datetime]
) -> list[FeedRow]:
    return await _rows(session, _base(window).where(Reservation.site_id == site_id))


async def holding_resource(
    session: AsyncSession, resource_id: uuid.UUID, window: Range[datetime]
) -> list[FeedRow]:
    """Reservations that hold the resource: its own and those of its ancestors (the slots)."""
    holders = select(ReservationSlot.reservation_id).where(
        ReservationSlot.resource_id == resource_id
    )
    return await _rows(session, _base(window).where(Reservation.id.in_(holders)))
