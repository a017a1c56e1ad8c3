from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from reservation_db.models.reservation import Reservation
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import SERVICE_CLIENT, Case, World, expect
from tests.reservations.factories import make_resource, make_type
from tests.webhooks.factories import delivery, subscription


async def _reservation(world: World, session: AsyncSession, *, bound: bool) -> dict[str, str]:
    rtype = await make_type(session, world.site_a)
    resource = await make_resource(session, world.site_a, rtype)
    start = datetime.now(UTC) + timedelta(hours=1)
    reservation = Reservation(
        id=uuid.uuid4(), site_id=world.site_a.id, resource_id=resource.id,
        owner_id=world.ids["bob"], created_by=world.ids["bob"], title="matrix",
        period=Range(start, start + timedelta(hours=1), bounds="[)"), status="confirmed",
    )  # fmt: skip
    session.add(reservation)
    await session.commit()
    sub = await subscription(
        session, world.site_a.id, integration_client_id=SERVICE_CLIENT if bound else "other"
    )
    await delivery(session, sub, status="succeeded", reservation_id=reservation.id)
    return {"reservation": str(reservation.id)}


async def _bound(world: World, session: AsyncSession) -> dict[str, str]:
    return await _reservation(world, session, bound=True)


async def _unbound(world: World, session: AsyncSession) -> dict[str, str]:
    return await _reservation(world, session, bound=False)


PEOPLE_REFUSED = dict(outsider=403, member=403, site_admin=403, platform_admin=403)
REPORT = {"state": "ready", "message": "port up", "details": {"vlan": 42}}

CASES = [
    Case(
        "provisioning-report-bound-client",
        "POST",
        "/api/v1/reservations/{reservation}/provisioning",
        expect(**PEOPLE_REFUSED, service=200),
        body=REPORT,
        prepare=_bound,
    ),
    Case(
        "provisioning-report-unbound-client",
        "POST",
        "/api/v1/reservations/{reservation}/provisioning",
        # Answered like an unknown id: a client cannot tell which reservations exist.
        expect(**PEOPLE_REFUSED, service=404),
        body=REPORT,
        prepare=_unbound,
    ),
    Case(
        "provisioning-read-bound-client",
        "GET",
        "/api/v1/reservations/{reservation}/provisioning",
        expect(**PEOPLE_REFUSED, service=200),
        prepare=_bound,
    ),
    Case(
        "provisioning-read-unbound-client",
        "GET",
        "/api/v1/reservations/{reservation}/provisioning",
        expect(**PEOPLE_REFUSED, service=404),
        prepare=_unbound,
    ),
]
