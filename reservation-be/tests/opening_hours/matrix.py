from __future__ import annotations

from reservation_db.models import OpeningHours, Resource, ResourceType
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import Case, World, any_user, expect, site_admins, site_members
from tests.reservations.matrix_world import booking_rows
from tests.resources.matrix import WINDOW


async def hours_rows(world: World, session: AsyncSession) -> dict[str, str]:
    """A schedule of site A; a resource type, a resource and a schedule of site B."""
    ids = await booking_rows(world, session)
    row = OpeningHours(site_id=world.site_a.id, weekly=[], exceptions=[], updated_by="matrix")
    b_type = ResourceType(site_id=world.site_b.id, name="b-type")
    session.add_all([row, b_type])
    await session.flush()
    b_resource = Resource(site_id=world.site_b.id, type_id=b_type.id, name="b-resource")
    b_row = OpeningHours(site_id=world.site_b.id, weekly=[], exceptions=[], updated_by="matrix")
    session.add_all([b_resource, b_row])
    await session.commit()
    return {
        **ids,
        "opening_hours": str(row.id),
        "b_type": str(b_type.id),
        "b_resource": str(b_resource.id),
        "b_opening_hours": str(b_row.id),
    }


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
    Case(
        "opening-hours-put-another-sites-resource",
        "PUT",
        "/api/v1/sites/{site}/opening-hours",
        # a resource of site B named in site A's schedule: 422 naming it, for those who may
        expect(outsider=404, member=403, site_admin=422, platform_admin=422),
        body=lambda v: {"resource_id": v["b_resource"], "weekly": []},
        prepare=hours_rows,
    ),
    Case(
        "opening-hours-put-another-sites-type",
        "PUT",
        "/api/v1/sites/{site}/opening-hours",
        expect(outsider=404, member=403, site_admin=422, platform_admin=422),
        body=lambda v: {"resource_type_id": v["b_type"], "weekly": []},
        prepare=hours_rows,
    ),
    Case(
        "opening-hours-delete-another-sites",
        "DELETE",
        "/api/v1/opening-hours/{b_opening_hours}",
        # site B is public: seen by all, changed by its site admins (none here) and platform
        # admins; site A's admin is nobody there
        expect(outsider=403, member=403, site_admin=403, platform_admin=204),
        prepare=hours_rows,
    ),
    Case(
        "resource-opening-hours-another-site",
        "GET",
        "/api/v1/resources/{b_resource}/opening-hours?" + WINDOW,
        any_user(200),  # a public site's hours are for everyone to read
        prepare=hours_rows,
    ),
]
