from __future__ import annotations

from reservation_db.models import OpeningHours
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import Case, World, expect, site_admins, site_members
from tests.reservations.matrix_world import booking_rows
from tests.resources.matrix import WINDOW


async def hours_rows(world: World, session: AsyncSession) -> dict[str, str]:
    ids = await booking_rows(world, session)
    row = OpeningHours(site_id=world.site_a.id, weekly=[], exceptions=[], updated_by="matrix")
    session.add(row)
    await session.commit()
    return {**ids, "opening_hours": str(row.id)}


CASES = [
    Case(
        "opening-hours-list",
        "GET",
        "/api/v1/sites/{site}/opening-hours",
        site_members(200),
        prepare=hours_rows,
    ),
    Case(
        "opening-hours-put",
        "PUT",
        "/api/v1/sites/{site}/opening-hours",
        site_admins(200),
        body={"weekly": [{"weekday": 0, "opens": "09:00", "closes": "18:00"}]},
        prepare=hours_rows,
    ),
    Case(
        "opening-hours-delete",
        "DELETE",
        "/api/v1/opening-hours/{opening_hours}",
        site_admins(204),
        prepare=hours_rows,
    ),
    Case(
        "resource-opening-hours",
        "GET",
        "/api/v1/resources/{resource}/opening-hours?" + WINDOW,
        expect(outsider=404, member=200, site_admin=200, platform_admin=200),
        prepare=hours_rows,
    ),
]
