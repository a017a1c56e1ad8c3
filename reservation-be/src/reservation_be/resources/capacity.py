"""Changing how many units a resource lends (``capacity`` of a resource or of its type).

The slots of a booking depend on the capacity it was booked under: a booking of a parent, a
blackout, or a booking of every unit holds each unit that existed then. Raising the capacity
under them would leave new units free beside a booking meant to hold the whole resource;
lowering it would strand units above the new count. So a change is refused with 409 while any
affected resource holds a current or future slot. Race-free like a tree change: the affected
resources and their ancestors are locked and given new row versions root first
(``repository.lock_path``: a booking's write holds its resource ``FOR SHARE`` and books only
the version it read), and only then are the slots read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from reservation_db.models import Resource
from reservation_db.models.reservation_slot import ReservationSlot
from sqlalchemy import any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.kit.errors import Conflict
from reservation_be.resources import repository


class CapacityInUse(Conflict):
    slug, title = "capacity-in-use", "The capacity cannot change while the resource is booked"


async def check_change(session: AsyncSession, resource_ids: Sequence[uuid.UUID]) -> None:
    """Lock the paths of ``resource_ids``, then refuse when any holds a current or future slot."""
    for rid in sorted(resource_ids):
        await repository.lock_path(session, rid)
    if not resource_ids:
        return
    now = datetime.now(UTC)
    held = await session.execute(
        select(Resource.name)
        .join(ReservationSlot, ReservationSlot.resource_id == Resource.id)
        .where(
            Resource.id == any_(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))),
            func.upper(ReservationSlot.period) > bindparam("now"),
        )
        .limit(1),
        {"ids": list(resource_ids), "now": now},
    )
    name = held.scalar_one_or_none()
    if name is not None:
        raise CapacityInUse(
            f"{name!r} is booked now or later (or in a maintenance window); its capacity can "
            "change once those bookings are over or cancelled."
        )
