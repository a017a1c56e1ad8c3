from __future__ import annotations

import uuid
from datetime import timedelta

from reservation_db.models.reservation_group import ReservationGroup
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import Case, World, expect, site_admins, site_members
from tests.reservations.matrix_world import START, add_booking, booking_rows

_AT = START + timedelta(days=8)


async def group_rows(world: World, session: AsyncSession) -> dict[str, str]:
    """The booking rows plus a group of target's and one of bob's, one reservation each."""
    ids = await booking_rows(world, session)
    for key, owner, start in (
        ("group", world.ids["target"], _AT),
        ("own_group", world.ids["bob"], _AT + timedelta(hours=2)),
    ):
        group = ReservationGroup(
            site_id=world.site_a.id, owner_id=owner, created_by=owner, title=key
        )
        session.add(group)
        await session.flush()
        await add_booking(
            session,
            site_id=world.site_a.id,
            resource_id=uuid.UUID(ids["leaf"]),
            owner=owner,
            title=key,
            start=start,
            group_id=group.id,
        )
        ids[key] = str(group.id)
    await session.commit()
    return ids


def _find(values: dict[str, str]) -> dict[str, object]:
    return {
        "site": values["site"],
        "type_id": values["type"],
        "count": 1,
        "duration": "PT1H",
        "earliest_start": (START + timedelta(days=10)).isoformat(),
    }


CASES = [
    Case(
        "reservations-find",
        "POST",
        "/api/v1/reservations/find",
        site_members(200),
        body=_find,
        prepare=booking_rows,
        returns={"found": True},
    ),
    Case(
        "reservations-find-and-book",
        "POST",
        "/api/v1/reservations/find",
        site_members(201),
        body=lambda v: {**_find(v), "book": True, "title": "lease"},
        prepare=booking_rows,
    ),
    Case(
        "group-get",
        "GET",
        "/api/v1/reservation-groups/{group}",
        site_members(200),
        prepare=group_rows,
    ),
    Case(
        "group-cancel-another",
        "POST",
        "/api/v1/reservation-groups/{group}/cancel",
        site_admins(200),
        prepare=group_rows,
    ),
    Case(
        "group-cancel-own",
        "POST",
        "/api/v1/reservation-groups/{own_group}/cancel",
        site_members(200),
        prepare=group_rows,
    ),
    Case(
        "group-extend-another",
        "POST",
        "/api/v1/reservation-groups/{group}/extend",
        site_admins(200),
        body={"end": (_AT + timedelta(hours=1, minutes=30)).isoformat()},
        headers={"If-Match": '"1"'},
        prepare=group_rows,
    ),
    Case(
        "group-extend-own",
        "POST",
        "/api/v1/reservation-groups/{own_group}/extend",
        expect(outsider=404, member=200, site_admin=200, platform_admin=200),
        body={"end": (_AT + timedelta(hours=3, minutes=30)).isoformat()},
        headers={"If-Match": '"1"'},
        prepare=group_rows,
    ),
]
