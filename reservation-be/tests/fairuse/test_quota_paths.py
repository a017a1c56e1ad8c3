"""Quotas on the paths that book several reservations at once: a series and a group booking
(find and book). Each occurrence or group member is an ordinary booking counted like any other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from tests.fairuse.factories import PROBLEM
from tests.reservations.factories import booking, make_resource


def _next_monday() -> datetime:
    day = (datetime.now(UTC) + timedelta(days=8)).replace(hour=9, minute=0, second=0, microsecond=0)
    return day + timedelta(days=(7 - day.weekday()) % 7)


async def _quota(client, auth, lab, **body):
    response = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas", json=body, headers=await auth("alice")
    )
    assert response.status_code == 201, response.text
    return response.json()


def _series(resource, start, count, **extra):
    return {
        **booking(resource, start, start + timedelta(hours=2), title="weekly"),
        "rrule": f"FREQ=WEEKLY;COUNT={count}",
        **extra,
    }


async def _count(session) -> int:
    return (await session.execute(text("SELECT count(*) FROM reservations"))).scalar_one()


async def test_an_all_or_nothing_series_over_the_future_quota_books_nothing(
    client, auth, lab, session
):
    quota = await _quota(client, auth, lab, max_future=3)
    response = await client.post(
        "/api/v1/reservation-series",
        json=_series(lab.server1, _next_monday(), 5),
        headers=await auth("bob"),
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    conflicts = response.json()["conflicts"]
    # Occurrences 4 and 5 break the quota; the detail names it, the usage and the limit.
    assert [c["reason"] for c in conflicts] == ["quota-exceeded", "quota-exceeded"]
    assert "max_future: 4 reservations with this booking, the limit is 3" in conflicts[0]["detail"]
    assert await _count(session) == 0
    assert quota["max_future"] == 3


async def test_a_skip_conflicts_series_books_up_to_the_quota_and_lists_the_rest(
    client, auth, lab, session
):
    await _quota(client, auth, lab, max_booked="PT6H", booked_window="month")
    start = _next_monday()
    response = await client.post(
        "/api/v1/reservation-series",
        json=_series(lab.server1, start, 5, conflict_mode="skip-conflicts"),
        headers=await auth("bob"),
    )
    assert response.status_code == 201, response.text
    series = response.json()
    assert len(series["occurrences"]) == 3  # 3 x 2 h fill 6 h in any 30 days
    assert [s["reason"] for s in series["skipped"]] == ["quota-exceeded"] * 2
    assert await _count(session) == 3


async def test_a_series_counts_against_a_group_total(client, auth, lab, session, people):
    group = await client.post(
        f"/api/v1/sites/{lab.site.id}/member-groups",
        json={"name": "lab", "members": [people["bob"], people["alice"]]},
        headers=await auth("alice"),
    )
    assert group.status_code == 201, group.text
    await _quota(
        client, auth, lab, group_id=group.json()["id"], group_scope="total", max_future=4,
        exempt_site_admins=False,
    )  # fmt: skip
    start = _next_monday()
    mine = await client.post(
        "/api/v1/reservation-series",
        json=_series(lab.server2, start, 2),
        headers=await auth("alice"),
    )
    assert mine.status_code == 201, mine.text
    response = await client.post(
        "/api/v1/reservation-series",
        json=_series(lab.server1, start, 3),
        headers=await auth("bob"),
    )
    assert response.status_code == 409, response.text
    assert [c["reason"] for c in response.json()["conflicts"]] == ["quota-exceeded"]
    assert "of group 'lab'" in response.json()["conflicts"][0]["detail"]
    assert await _count(session) == 2


async def _find_and_book(client, headers, lab, start, count):
    return await client.post(
        "/api/v1/reservations/find",
        json={
            "site": lab.site.slug,
            "type_id": str(lab.rtype.id),
            "count": count,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "book": True,
            "title": "lease",
        },
        headers=headers,
    )


async def test_a_group_booking_over_the_quota_is_refused_naming_it_and_books_nothing(
    client, auth, lab, session
):
    """Before the fix the quota's 409 was taken for a lost race: three searches, then
    ``no-free-resources``."""
    for i in range(3):
        await make_resource(session, lab.site, lab.rtype, name=f"spare-{i}")
    await session.commit()
    quota = await _quota(client, auth, lab, max_resources=2)
    response = await _find_and_book(client, await auth("bob"), lab, _next_monday(), 3)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("quota-exceeded")
    assert problem["quota"] == {"id": quota["id"], "limit_name": "max_resources"}
    assert (problem["usage"], problem["limit"], problem["unit"]) == (3, 2, "resources")
    assert await _count(session) == 0
    groups = await session.execute(text("SELECT count(*) FROM reservation_groups"))
    assert groups.scalar_one() == 0
    # Within the quota the group is booked.
    ok = await _find_and_book(client, await auth("bob"), lab, _next_monday(), 2)
    assert ok.status_code == 201, ok.text
    assert await _count(session) == 2
