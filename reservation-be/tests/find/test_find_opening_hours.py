"""Find proposes only periods inside the opening hours (site, type, resource; exceptions; the
site's wall clock across a DST change): what it proposes, booking accepts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.reservations.factories import Lab, make_lab

ROME = ZoneInfo("Europe/Rome")
URL = "/api/v1/reservations/find"
EVERY_DAY = [{"weekday": d, "opens": "09:00", "closes": "18:00"} for d in range(7)]
WEEKDAYS = EVERY_DAY[:5]


@pytest.fixture
async def lab(session, people) -> Lab:
    lab = await make_lab(session, people)
    lab.site.time_zone = "Europe/Rome"
    await session.commit()
    return lab


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ROME)


def next_weekday(weekday: int, *, weeks: int = 1) -> date:
    today = datetime.now(ROME).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _hours(client, headers, lab, **body):
    response = await client.put(
        f"/api/v1/sites/{lab.site.id}/opening-hours", json=body, headers=headers
    )
    assert response.status_code == 200, response.text


async def _find(client, headers, lab, earliest, *, hours=2, days=7, **extra):
    response = await client.post(
        URL,
        json={
            "site": str(lab.site.id),
            "type_id": str(lab.rtype.id),
            "count": 1,
            "duration": f"PT{hours}H",
            "earliest_start": earliest.isoformat(),
            "latest_end": (earliest + timedelta(days=days)).isoformat(),
            **extra,
        },
        headers=headers,
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


async def test_find_skips_closed_hours_and_the_weekend_and_its_proposal_can_be_booked(
    client, auth, lab
):
    # Before: find proposed Friday 17:00-19:00, which booking then refused as outside the hours.
    alice, bob = await auth("alice"), await auth("bob")
    await _hours(client, alice, lab, weekly=WEEKDAYS)
    friday = next_weekday(4)
    monday = friday + timedelta(days=3)
    found = await _find(client, bob, lab, local(friday, 17))
    assert parse(found["start"]) == local(monday, 9)
    assert parse(found["end"]) == local(monday, 11)
    booked = await _find(client, bob, lab, local(friday, 17), book=True, title="after hours")
    assert booked["group"]["reservations"][0]["start"] == found["start"]
    # Inside the hours the earliest start stays the earliest.
    inside = await _find(client, bob, lab, local(friday, 10, 30))
    assert parse(inside["start"]) == local(friday, 10, 30)


async def test_find_follows_the_wall_clock_across_a_dst_change(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    await _hours(client, alice, lab, weekly=EVERY_DAY)
    # Rome moves from UTC+1 to UTC+2 on Sunday 2027-03-28: 09:00 is 08:00Z on the Saturday and
    # 07:00Z on the Sunday.
    saturday, sunday = date(2027, 3, 27), date(2027, 3, 28)
    early = await _find(client, bob, lab, datetime(2027, 3, 27, 5, tzinfo=UTC), days=2)
    assert parse(early["start"]) == datetime(2027, 3, 27, 8, tzinfo=UTC) == local(saturday, 9)
    # Too late on Saturday for two hours: Sunday 09:00, one hour earlier in UTC.
    late = await _find(client, bob, lab, local(saturday, 16, 30), days=2)
    assert parse(late["start"]) == datetime(2027, 3, 28, 7, tzinfo=UTC) == local(sunday, 9)
    # The last two hours of the Sunday end at 18:00 local, 16:00Z.
    fixed = await client.post(
        URL,
        json={
            "site": str(lab.site.id), "type_id": str(lab.rtype.id), "count": 2,
            "start": datetime(2027, 3, 28, 14, tzinfo=UTC).isoformat(),
            "end": datetime(2027, 3, 28, 16, tzinfo=UTC).isoformat(),
        },
        headers=bob,
    )  # fmt: skip
    assert fixed.status_code == 200 and fixed.json()["found"] is True, fixed.text
    after = await client.post(
        URL,
        json={
            "site": str(lab.site.id), "type_id": str(lab.rtype.id), "count": 1,
            "start": datetime(2027, 3, 28, 16, 30, tzinfo=UTC).isoformat(),
            "end": datetime(2027, 3, 28, 17, tzinfo=UTC).isoformat(),
        },
        headers=bob,
    )  # fmt: skip
    assert after.status_code == 200 and after.json() == {
        "found": False, "start": None, "end": None, "resources": [], "alternatives": [],
        "group": None,
    }  # fmt: skip


async def test_a_holiday_closes_the_type_but_a_resource_with_its_own_hours_is_proposed(
    client, auth, lab
):
    alice, bob = await auth("alice"), await auth("bob")
    await _hours(client, alice, lab, weekly=WEEKDAYS)
    wednesday = next_weekday(2)
    await _hours(
        client, alice, lab, resource_type_id=str(lab.rtype.id),
        exceptions=[{"date": wednesday.isoformat(), "closed": True, "reason": "Holiday"}],
    )  # fmt: skip
    closed = await _find(client, bob, lab, local(wednesday, 8))
    assert parse(closed["start"]) == local(wednesday + timedelta(days=1), 9)
    assert {c["name"] for c in closed["resources"] + closed["alternatives"]} <= {
        "server-1", "server-2"
    }  # fmt: skip
    # server-2 opens 10:00-12:00 on the holiday: the only one free then.
    await _hours(
        client, alice, lab, resource_id=str(lab.server2.id),
        exceptions=[{"date": wednesday.isoformat(), "opens": "10:00", "closes": "12:00"}],
    )  # fmt: skip
    found = await _find(client, bob, lab, local(wednesday, 8), alternatives=5)
    assert parse(found["start"]) == local(wednesday, 10)
    assert [c["name"] for c in found["resources"]] == ["server-2"]
    assert found["alternatives"] == []
    # Three hours do not fit in its two: Thursday again, for both.
    longer = await _find(client, bob, lab, local(wednesday, 8), hours=3, alternatives=5)
    assert parse(longer["start"]) == local(wednesday + timedelta(days=1), 9)
    assert len(longer["resources"] + longer["alternatives"]) == 2
