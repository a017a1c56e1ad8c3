"""Rows the booking matrix cases need in site A, created by their ``prepare`` hooks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from reservation_be.reservations import repository as reservations_repository
from reservation_db.models.reservation import Reservation
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import World

START = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)


async def add_booking(
    session: AsyncSession,
    *,
    site_id: uuid.UUID,
    resource_id: uuid.UUID,
    owner: str,
    title: str,
    start: datetime,
    status: str = "confirmed",
    **links: uuid.UUID,
) -> Reservation:
    """One hour's reservation with its slots; ``links`` are ``series_id=``/``group_id=``."""
    reservation = Reservation(
        id=uuid.uuid4(),
        site_id=site_id,
        resource_id=resource_id,
        owner_id=owner,
        created_by=owner,
        title=title,
        period=Range(start, start + timedelta(hours=1), bounds="[)"),
        status=status,
        **links,
    )
    session.add(reservation)
    await session.flush()
    await reservations_repository.insert_slots(
        session, reservation_id=reservation.id, resource_id=resource_id, period=reservation.period
    )
    return reservation


async def booking_rows(world: World, session: AsyncSession) -> dict[str, str]:
    site_id = world.site_a.id
    rtype = ResourceType(site_id=site_id, name="server")
    spare = ResourceType(site_id=site_id, name="unused")
    session.add_all([rtype, spare])
    await session.flush()
    rack = Resource(site_id=site_id, type_id=rtype.id, name="rack")
    session.add(rack)
    await session.flush()
    leaf = Resource(site_id=site_id, type_id=rtype.id, name="leaf", parent_id=rack.id)
    session.add(leaf)
    await session.flush()
    ids = {"type": str(rtype.id), "spare_type": str(spare.id), "resource": str(rack.id)}
    ids["leaf"] = str(leaf.id)
    gated_type = ResourceType(site_id=site_id, name="gated", requires_approval=True)
    session.add(gated_type)
    await session.flush()
    gated = Resource(site_id=site_id, type_id=gated_type.id, name="gated")
    session.add(gated)
    await session.flush()
    ids["gated"] = str(gated.id)
    now = datetime.now(UTC).replace(microsecond=0)
    for key, owner, status, start, resource in (
        ("reservation", world.ids["target"], "confirmed", START, leaf),
        ("own_reservation", world.ids["bob"], "confirmed", START + timedelta(hours=2), leaf),
        ("pending", world.ids["target"], "pending", START + timedelta(hours=4), leaf),
        # Approved bookings of bob's on a type that requires approval: one to come, one running.
        ("approved", world.ids["bob"], "confirmed", START + timedelta(hours=6), gated),
        ("active_approved", world.ids["bob"], "active", now - timedelta(minutes=30), gated),
    ):
        reservation = await add_booking(
            session,
            site_id=site_id,
            resource_id=resource.id,
            owner=owner,
            title=key,
            start=start,
            status=status,
        )
        ids[key] = str(reservation.id)
    await session.commit()
    return ids
