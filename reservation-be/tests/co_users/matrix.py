from __future__ import annotations

import uuid

from reservation_db.models import ReservationCoUser
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import Case, World, expect, site_members
from tests.reservations.matrix_world import booking_rows


async def shared_rows(world: World, session: AsyncSession) -> dict[str, str]:
    """``target`` attends bob's booking; bob co-manages target's."""
    ids = await booking_rows(world, session)
    session.add_all(
        [
            ReservationCoUser(reservation_id=uuid.UUID(ids["own_reservation"]),
                              user_id=world.ids["target"], role="attendee",
                              added_by=world.ids["bob"]),
            ReservationCoUser(reservation_id=uuid.UUID(ids["reservation"]),
                              user_id=world.ids["bob"], role="co-manager",
                              added_by=world.ids["target"]),
        ]
    )  # fmt: skip
    await session.commit()
    return ids


CASES = [
    Case(
        "co-users-list",
        "GET",
        "/api/v1/reservations/{reservation}/co-users",
        site_members(200),
        prepare=shared_rows,
    ),
    Case(
        "co-users-add-own",
        "POST",
        "/api/v1/reservations/{own_reservation}/co-users",
        expect(outsider=404, member=200, site_admin=200, platform_admin=200),
        # target already attends: the role changes (200)
        body={"user": "target-user", "role": "co-manager"},
        prepare=shared_rows,
        returns={"role": "co-manager"},
    ),
    Case(
        "co-users-add-others",
        "POST",
        "/api/v1/reservations/{pending}/co-users",
        # bob is no owner here: only site and platform admins share it
        expect(outsider=404, member=403, site_admin=201, platform_admin=201),
        body=lambda v: {"user": v["bob"]},
        prepare=shared_rows,
    ),
    Case(
        "co-users-remove",
        "DELETE",
        "/api/v1/reservations/{own_reservation}/co-users/{target}",
        expect(outsider=404, member=204, site_admin=204, platform_admin=204),
        prepare=shared_rows,
    ),
    Case(
        "co-users-leave-or-remove-others",
        "DELETE",
        "/api/v1/reservations/{reservation}/co-users/{bob}",
        # bob leaves target's booking himself; site and platform admins remove him
        expect(outsider=404, member=204, site_admin=204, platform_admin=204),
        prepare=shared_rows,
    ),
    Case(
        "reservation-cancel-as-co-manager",
        "POST",
        "/api/v1/reservations/{reservation}/cancel",
        # bob co-manages target's booking
        expect(outsider=404, member=200, site_admin=200, platform_admin=200),
        prepare=shared_rows,
        returns={"status": "cancelled"},
    ),
    Case(
        "co-users-add-member-of-another-site",
        "POST",
        "/api/v1/reservations/{own_reservation}/co-users",
        # carol belongs to site B only: bad input for whoever may share (422), 404 for her
        expect(outsider=404, member=422, site_admin=422, platform_admin=422),
        body=lambda v: {"user": v["carol"]},
        prepare=shared_rows,
    ),
]
