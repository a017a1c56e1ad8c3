"""Every query on series; the occurrences are reservations (``reservations.series_id``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from reservation_db.models.reservation import Reservation
from reservation_db.models.reservation_series import ReservationSeries
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession


async def get(session: AsyncSession, series_id: uuid.UUID) -> ReservationSeries | None:
    return await session.get(ReservationSeries, series_id)


async def get_for_update(session: AsyncSession, series_id: uuid.UUID) -> ReservationSeries | None:
    stmt = (
        select(ReservationSeries)
        .where(ReservationSeries.id == series_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def occurrences(
    session: AsyncSession,
    series_id: uuid.UUID,
    *,
    statuses: Sequence[str] | None = None,
    from_start: datetime | None = None,
) -> list[Reservation]:
    stmt = select(Reservation).where(Reservation.series_id == series_id)
    if statuses is not None:
        stmt = stmt.where(Reservation.status.in_(statuses))
    if from_start is not None:
        stmt = stmt.where(func.lower(Reservation.period) >= from_start)
    stmt = stmt.order_by(func.lower(Reservation.period), Reservation.id)
    return list((await session.execute(stmt.execution_options(populate_existing=True))).scalars())


_LINK = (
    update(Reservation)
    .where(Reservation.id == func.any(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))))
    .values(series_id=bindparam("series_id", type_=UUID(as_uuid=True)))
    .execution_options(synchronize_session=False)
)


async def link(session: AsyncSession, series_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
    """Mark the booked occurrences as the series' (one statement)."""
    await session.execute(_LINK, {"ids": ids, "series_id": series_id})
