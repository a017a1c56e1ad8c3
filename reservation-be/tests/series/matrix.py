from __future__ import annotations

import uuid
from datetime import timedelta

from reservation_db.models.reservation_series import ReservationSeries
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import Case, World, expect, site_admins, site_members
from tests.reservations.matrix_world import START, add_booking, booking_rows

_FIRST = START + timedelta(days=6)


async def series_rows(world: World, session: AsyncSession) -> dict[str, str]:
    """The booking rows plus a series of target's and one of bob's, one occurrence each."""
    ids = await booking_rows(world, session)
    for key, owner, start in (
        ("series", world.ids["target"], _FIRST),
        ("own_series", world.ids["bob"], _FIRST + timedelta(hours=2)),
    ):
        series = ReservationSeries(
            site_id=world.site_a.id,
            resource_id=uuid.UUID(ids["leaf"]),
            owner_id=owner,
            created_by=owner,
            title=key,
            rrule="FREQ=WEEKLY;COUNT=1",
            time_zone="UTC",
            first_start=start,
            duration=timedelta(hours=1),
            conflict_mode="all-or-nothing",
            status="active",
        )
        session.add(series)
        await session.flush()
        await add_booking(
            session,
            site_id=world.site_a.id,
            resource_id=uuid.UUID(ids["leaf"]),
            owner=owner,
            title=key,
            start=start,
            series_id=series.id,
        )
        ids[key] = str(series.id)
    await session.commit()
    return ids


def _new_series(values: dict[str, str]) -> dict[str, str]:
    start = START + timedelta(days=10)
    return {
        "resource_id": values["resource"],
        "title": "matrix",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "rrule": "FREQ=DAILY;COUNT=2",
    }


CASES = [
    Case(
        "series-create",
        "POST",
        "/api/v1/reservation-series",
        # The private site's resource is unknown to outsiders (422 on the body's id).
        expect(outsider=422, member=201, site_admin=201, platform_admin=201),
        body=_new_series,
        prepare=booking_rows,
    ),
    Case(
        "series-create-on-behalf",
        "POST",
        "/api/v1/reservation-series",
        expect(outsider=422, member=403, site_admin=201, platform_admin=201),
        body=lambda v: {**_new_series(v), "owner_id": v["target"]},
        prepare=booking_rows,
    ),
    Case(
        "series-preview",
        "POST",
        "/api/v1/reservation-series/preview",
        expect(outsider=422, member=200, site_admin=200, platform_admin=200),
        body=_new_series,
        prepare=booking_rows,
    ),
    Case(
        "series-get",
        "GET",
        "/api/v1/reservation-series/{series}",
        site_members(200),
        prepare=series_rows,
    ),
    Case(
        "series-update-another",
        "PATCH",
        "/api/v1/reservation-series/{series}",
        site_admins(200),
        body={"title": "renamed"},
        headers={"If-Match": '"1"'},
        prepare=series_rows,
    ),
    Case(
        "series-update-own",
        "PATCH",
        "/api/v1/reservation-series/{own_series}",
        site_members(200),
        body={"title": "renamed"},
        headers={"If-Match": '"1"'},
        prepare=series_rows,
    ),
    Case(
        "series-cancel-another",
        "POST",
        "/api/v1/reservation-series/{series}/cancel",
        site_admins(200),
        body={"scope": "all"},
        headers={"If-Match": '"1"'},
        prepare=series_rows,
        returns={"status": "cancelled"},
    ),
    Case(
        "series-cancel-own",
        "POST",
        "/api/v1/reservation-series/{own_series}/cancel",
        site_members(200),
        body={"scope": "all"},
        headers={"If-Match": '"1"'},
        prepare=series_rows,
        returns={"status": "cancelled"},
    ),
]
