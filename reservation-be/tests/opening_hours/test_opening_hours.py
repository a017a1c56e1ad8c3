"""Opening hours in the site's time zone: bookings outside them are refused, naming the hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from reservation_db.models import AuditLogEntry
from sqlalchemy import select

from tests.reservations.factories import booking

ROME = ZoneInfo("Europe/Rome")
WEEKDAYS = [{"weekday": d, "opens": "09:00", "closes": "18:00"} for d in range(5)]


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=ROME)


def next_weekday(weekday: int, *, weeks: int = 1) -> date:
    today = datetime.now(ROME).date()
    return today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


async def _put(client, headers, lab, **body):
    response = await client.put(
        f"/api/v1/sites/{lab.site.id}/opening-hours", json=body, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _book(client, headers, resource, start, end, **extra):
    return await client.post(
        "/api/v1/reservations", json=booking(resource, start, end, **extra), headers=headers
    )


async def test_bookings_outside_the_site_hours_are_refused_naming_them(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    await _put(client, alice, lab, weekly=WEEKDAYS)
    tuesday = next_weekday(1)
    inside = await _book(client, bob, lab.server1, local(tuesday, 10), local(tuesday, 12))
    assert inside.status_code == 201, inside.text
    late = await _book(client, bob, lab.server1, local(tuesday, 17), local(tuesday, 19))
    assert late.status_code == 422, late.text
    assert late.headers["content-type"] == "application/problem+json"
    problem = late.json()
    assert problem["type"].endswith("outside-opening-hours")
    assert problem["opening_hours"]["level"] == "site"
    assert problem["opening_hours"]["time_zone"] == "Europe/Rome"
    assert problem["opening_hours"]["days"] == [f"Tue {tuesday.isoformat()}: 09:00-18:00"]
    saturday = next_weekday(5)
    weekend = await _book(client, bob, lab.server1, local(saturday, 10), local(saturday, 11))
    assert weekend.status_code == 422
    assert weekend.json()["opening_hours"]["days"] == [f"Sat {saturday.isoformat()}: closed"]


async def test_the_hours_follow_the_wall_clock_across_a_dst_change(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    every_day = [{"weekday": d, "opens": "09:00", "closes": "18:00"} for d in range(7)]
    await _put(client, alice, lab, weekly=every_day)
    # Rome moves from UTC+1 to UTC+2 on Sunday 2027-03-28: 09:00 is 08:00Z the day before and
    # 07:00Z that day.
    saturday, sunday = date(2027, 3, 27), date(2027, 3, 28)
    for day, utc_open in ((saturday, 8), (sunday, 7)):
        start = datetime(day.year, day.month, day.day, utc_open, tzinfo=UTC)
        ok = await _book(client, bob, lab.server1, start, start + timedelta(hours=9))
        assert ok.status_code == 201, (day, ok.text)
        early = await _book(
            client, bob, lab.server2, start - timedelta(minutes=30), start + timedelta(hours=1)
        )
        assert early.status_code == 422, (day, early.text)


async def test_the_most_specific_schedule_decides_and_exceptions_close_a_day(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    await _put(client, alice, lab, weekly=WEEKDAYS)
    # The type opens late on Mondays and closes on a holiday; one server is open all night.
    monday = next_weekday(0)
    wednesday = monday + timedelta(days=2)
    await _put(
        client, alice, lab, resource_type_id=str(lab.rtype.id),
        weekly=[{"weekday": 0, "opens": "13:00", "closes": "20:00"}],
        exceptions=[{"date": wednesday.isoformat(), "closed": True, "reason": "Holiday"}],
    )  # fmt: skip
    night = await _put(
        client, alice, lab, resource_id=str(lab.server2.id),
        weekly=[{"weekday": 0, "opens": "18:00", "closes": "24:00"},
                {"weekday": 1, "opens": "00:00", "closes": "06:00"}],
    )  # fmt: skip
    assert (
        await _book(client, bob, lab.server1, local(monday, 10), local(monday, 11))
    ).status_code == 422
    assert (
        await _book(client, bob, lab.server1, local(monday, 19), local(monday, 20))
    ).status_code == 201
    holiday = await _book(client, bob, lab.server1, local(wednesday, 10), local(wednesday, 11))
    assert holiday.status_code == 422
    assert holiday.json()["opening_hours"]["days"] == [
        f"Wed {wednesday.isoformat()}: closed (Holiday)"
    ]
    # 18:00-24:00 then 00:00-06:00: one span across midnight.
    across = await _book(
        client, bob, lab.server2, local(monday, 22), local(monday + timedelta(days=1), 2)
    )
    assert across.status_code == 201, across.text
    refused = await _book(client, bob, lab.server2, local(monday, 12), local(monday, 13))
    assert refused.status_code == 422
    assert refused.json()["opening_hours"] == {
        "level": "resource", "id": night["id"], "time_zone": "Europe/Rome",
        "days": [f"Mon {monday.isoformat()}: 18:00-24:00"],
    }  # fmt: skip


async def test_a_site_admin_overrides_the_hours_explicitly_and_it_is_audited(
    client, auth, lab, session
):
    alice, bob = await auth("alice"), await auth("bob")
    await _put(client, alice, lab, weekly=WEEKDAYS)
    saturday = next_weekday(5)
    by_member = await _book(
        client, bob, lab.server1, local(saturday, 10), local(saturday, 11),
        override_opening_hours=True,
    )  # fmt: skip
    assert by_member.status_code == 403, by_member.text
    by_admin = await _book(
        client, alice, lab.server1, local(saturday, 10), local(saturday, 11),
        override_opening_hours=True,
    )  # fmt: skip
    assert by_admin.status_code == 201, by_admin.text
    entries = (
        (
            await session.execute(
                select(AuditLogEntry).where(AuditLogEntry.action == "opening_hours_overridden")
            )
        )
        .scalars()
        .all()
    )
    assert [e.entity_id for e in entries] == [by_admin.json()["id"]]
    assert entries[0].after["opening_hours"]["level"] == "site"


async def test_moving_a_booking_outside_the_hours_is_refused(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    await _put(client, alice, lab, weekly=WEEKDAYS)
    tuesday = next_weekday(1)
    created = await _book(client, bob, lab.server1, local(tuesday, 10), local(tuesday, 12))
    moved = await client.patch(
        f"/api/v1/reservations/{created.json()['id']}",
        json={"end": local(tuesday, 20).isoformat()},
        headers={**bob, "If-Match": '"1"'},
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["type"].endswith("outside-opening-hours")


async def test_bad_hours_are_refused_saying_which(client, auth, lab):
    alice = await auth("alice")
    url = f"/api/v1/sites/{lab.site.id}/opening-hours"
    cases = [
        ({"weekly": [{"weekday": 0, "opens": "18:00", "closes": "09:00"}]},
         ["body", "weekly", 0, "closes"]),
        ({"weekly": [{"weekday": 0, "opens": "09:00", "closes": "13:00"},
                     {"weekday": 0, "opens": "12:00", "closes": "18:00"}]},
         ["body", "weekly", 1]),
        ({"weekly": [{"weekday": 7, "opens": "09:00", "closes": "13:00"}]},
         ["body", "weekly", 0, "weekday"]),
        ({"weekly": [{"weekday": 1, "opens": "25:00", "closes": "26:00"}]},
         ["body", "weekly", 0, "opens"]),
        ({"exceptions": [{"date": "2027-01-01", "closed": True},
                         {"date": "2027-01-01", "opens": "10:00", "closes": "12:00"}]},
         ["body", "exceptions", 1, "date"]),
        ({"exceptions": [{"date": "2027-01-01"}]}, ["body", "exceptions", 0]),
        ({"exceptions": [{"date": "2027-02-30", "closed": True}]},
         ["body", "exceptions", 0, "date"]),
        ({"resource_id": "00000000-0000-4000-8000-000000000000"}, ["body", "resource_id"]),
    ]  # fmt: skip
    for body, loc in cases:
        response = await client.put(url, json=body, headers=alice)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == loc, (body, response.json())
    member = await client.put(url, json={"weekly": WEEKDAYS}, headers=await auth("bob"))
    assert member.status_code == 403


async def test_a_resource_shows_its_hours_and_open_spans(client, auth, lab):
    alice = await auth("alice")
    site_hours = await _put(client, alice, lab, weekly=WEEKDAYS)
    friday = next_weekday(4)
    response = await client.get(
        f"/api/v1/resources/{lab.server1.id}/opening-hours",
        params={"start": local(friday, 0).isoformat(),
                "end": local(friday + timedelta(days=3), 0).isoformat()},
        headers=await auth("bob"),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["level"], body["time_zone"]) == ("site", "Europe/Rome")
    z = lambda d: d.astimezone(UTC).isoformat().replace("+00:00", "Z")  # noqa: E731
    monday = friday + timedelta(days=3)
    assert body["open"] == [{"start": z(local(friday, 9)), "end": z(local(friday, 18))}]
    listed = await client.get(f"/api/v1/sites/{lab.site.id}/opening-hours", headers=alice)
    assert [s["id"] for s in listed.json()] == [site_hours["id"]]
    deleted = await client.delete(f"/api/v1/opening-hours/{site_hours['id']}", headers=alice)
    assert deleted.status_code == 204
    again = await client.get(
        f"/api/v1/resources/{lab.server1.id}/opening-hours",
        params={"start": local(friday, 0).isoformat(), "end": local(monday, 0).isoformat()},
        headers=alice,
    )
    assert again.json()["level"] is None
    assert len(again.json()["open"]) == 1  # open all the time
