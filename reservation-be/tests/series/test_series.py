"""Recurring series through the API: expansion in the site's time zone, conflict modes,
series-wide changes and cancellation, bad rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from reservation_db.models import OutboxMessage, Reservation
from reservation_db.models.reservation_slot import ReservationSlot
from sqlalchemy import func, select, text

from tests.reservations.factories import booking

PROBLEM = "application/problem+json"


async def set_time_zone(session, site, zone: str) -> None:
    await session.execute(
        text("UPDATE sites SET time_zone = :z WHERE id = :id"), {"z": zone, "id": site.id}
    )
    await session.commit()


def series_body(resource, start: datetime, end: datetime, rrule: str, **extra):
    return {
        **booking(resource, start, end, title=extra.pop("title", "Lab session")),
        "rrule": rrule,
        **extra,
    }


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def create(client, headers, body):
    return await client.post("/api/v1/reservation-series", json=body, headers=headers)


@pytest.mark.parametrize(
    ("zone", "first", "until", "spring", "autumn"),
    [
        # Europe: last Sunday of March / of October 2027.
        ("Europe/Rome", datetime(2027, 3, 14), "20271107", (1, 2), (2, 1)),
        # US: second Sunday of March / first Sunday of November 2027.
        ("America/New_York", datetime(2027, 3, 7), "20271114", (-5, -4), (-4, -5)),
    ],
)
async def test_weekly_series_stays_at_local_time_across_both_dst_changes(
    client, auth, lab, session, zone, first, until, spring, autumn
):
    await set_time_zone(session, lab.site, zone)
    tz = ZoneInfo(zone)
    start = first.replace(hour=9, tzinfo=tz)
    body = series_body(
        lab.server1, start, start + timedelta(hours=2), f"FREQ=WEEKLY;BYDAY=SU;UNTIL={until}"
    )
    response = await create(client, await auth("bob"), body)
    assert response.status_code == 201, response.text
    series = response.json()
    assert series["time_zone"] == zone
    occurrences = series["occurrences"]
    last_day = datetime.strptime(until, "%Y%m%d")
    assert len(occurrences) == (last_day - first).days // 7 + 1
    offsets = set()
    for occurrence in occurrences:
        local_start = parse(occurrence["start"]).astimezone(tz)
        local_end = parse(occurrence["end"]).astimezone(tz)
        assert (local_start.hour, local_start.minute) == (9, 0), occurrence
        assert (local_end.hour, local_end.minute) == (11, 0), occurrence
        assert local_start.weekday() == 6
        assert occurrence["series_id"] == series["id"]
        offsets.add(local_start.utcoffset() // timedelta(hours=1))
    # Both changes crossed: standard time, summer time, standard time again.
    first_offset = parse(occurrences[0]["start"]).astimezone(tz).utcoffset()
    last_offset = parse(occurrences[-1]["start"]).astimezone(tz).utcoffset()
    assert first_offset == last_offset == timedelta(hours=spring[0])
    assert offsets == {spring[0], spring[1]} == {autumn[0], autumn[1]}
    # The UTC start moves by an hour across each change.
    utc_hours = [parse(o["start"]).hour for o in occurrences]
    assert utc_hours[0] == utc_hours[-1] != utc_hours[len(utc_hours) // 2]


async def test_a_skipped_wall_time_moves_forward_by_the_gap(client, auth, lab, session):
    await set_time_zone(session, lab.site, "America/New_York")
    tz = ZoneInfo("America/New_York")
    start = datetime(2027, 3, 13, 2, 30, tzinfo=tz)  # 2027-03-14 02:30 does not exist there
    body = series_body(lab.server1, start, start + timedelta(hours=1), "FREQ=DAILY;COUNT=3")
    response = await create(client, await auth("bob"), body)
    assert response.status_code == 201, response.text
    starts = [parse(o["start"]).astimezone(tz) for o in response.json()["occurrences"]]
    assert [(s.day, s.hour, s.minute) for s in starts] == [(13, 2, 30), (14, 3, 30), (15, 2, 30)]


async def _prebook_third_week(client, auth, lab, start):
    third = start + timedelta(weeks=2)
    blocker = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, third + timedelta(minutes=30), third + timedelta(hours=3)),
        headers=await auth("alice"),
    )
    assert blocker.status_code == 201, blocker.text
    return blocker.json()


def _monday_next_month() -> datetime:
    day = (datetime.now(UTC) + timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return day + timedelta(days=(7 - day.weekday()) % 7)


async def test_all_or_nothing_refuses_the_whole_series_listing_every_conflict(
    client, auth, lab, session
):
    start = _monday_next_month()
    blocker = await _prebook_third_week(client, auth, lab, start)
    before = (await session.execute(select(func.count()).select_from(Reservation))).scalar_one()
    response = await create(
        client,
        await auth("bob"),
        series_body(lab.server1, start, start + timedelta(hours=2), "FREQ=WEEKLY;COUNT=5"),
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("series-conflict")
    assert [parse(c["start"]) for c in problem["conflicts"]] == [start + timedelta(weeks=2)]
    assert problem["conflicts"][0]["reason"] == "booking-conflict"
    assert problem["conflicts"][0]["conflicting_reservation_id"] == blocker["id"]
    after = (await session.execute(select(func.count()).select_from(Reservation))).scalar_one()
    assert after == before  # nothing of the series was kept
    series_rows = (await session.execute(text("SELECT count(*) FROM reservation_series"))).scalar()
    assert series_rows == 0


async def test_skip_conflicts_books_the_free_occurrences_and_lists_the_skipped(
    client, auth, lab, session
):
    start = _monday_next_month()
    blocker = await _prebook_third_week(client, auth, lab, start)
    response = await create(
        client,
        await auth("bob"),
        series_body(
            lab.server1,
            start,
            start + timedelta(hours=2),
            "FREQ=WEEKLY;COUNT=5",
            conflict_mode="skip-conflicts",
        ),
    )
    assert response.status_code == 201, response.text
    series = response.json()
    assert response.headers["ETag"] == '"1"'
    booked = [parse(o["start"]) for o in series["occurrences"]]
    assert booked == [start + timedelta(weeks=w) for w in (0, 1, 3, 4)]
    assert [
        (parse(s["start"]), s["reason"], s["conflicting_reservation_id"]) for s in series["skipped"]
    ] == [(start + timedelta(weeks=2), "booking-conflict", blocker["id"])]
    # Each occurrence is an ordinary reservation with its own event; the series has one too.
    types = (
        (await session.execute(select(OutboxMessage.type).order_by(OutboxMessage.created_at)))
        .scalars()
        .all()
    )
    assert types.count("reservation.created") == 5  # the blocker and four occurrences
    assert types.count("reservation.series.created") == 1
    event = (
        await session.execute(
            select(OutboxMessage.payload).where(OutboxMessage.type == "reservation.series.created")
        )
    ).scalar_one()
    assert len(event["data"]["occurrences"]) == 4
    assert event["data"]["skipped"][0]["reason"] == "booking-conflict"


async def test_an_occurrence_is_an_ordinary_reservation(client, auth, lab):
    start = _monday_next_month()
    headers = await auth("bob")
    series = await create(
        client,
        headers,
        series_body(lab.server1, start, start + timedelta(hours=1), "FREQ=DAILY;COUNT=2"),
    )
    assert series.status_code == 201, series.text
    occurrence = series.json()["occurrences"][1]
    read = await client.get(f"/api/v1/reservations/{occurrence['id']}", headers=headers)
    assert read.json()["series_id"] == series.json()["id"]
    # Each occurrence's notification names its series, so the web app shows one toast for all.
    notes = (await client.get("/api/v1/notifications", headers=headers)).json()["items"]
    created = [n for n in notes if n["kind"] == "reservation.created"]
    assert len(created) == 2
    assert {n["params"]["series_id"] for n in created} == {series.json()["id"]}
    cancelled = await client.post(
        f"/api/v1/reservations/{occurrence['id']}/cancel", headers=headers
    )
    assert cancelled.status_code == 200
    # Its slot is free again: a single booking takes it.
    again = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, parse(occurrence["start"]), parse(occurrence["end"])),
        headers=await auth("alice"),
    )
    assert again.status_code == 201, again.text


@pytest.mark.parametrize(
    ("rrule", "part"),
    [
        ("FREQ=HOURLY;COUNT=3", "FREQ"),
        ("FREQ=YEARLY;COUNT=3", "FREQ"),
        ("FREQ=DAILY;BYHOUR=9;COUNT=3", "BYHOUR"),
        ("FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO;COUNT=3", "BYSETPOS"),
        ("FREQ=DAILY", "COUNT"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20300101", "UNTIL"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;INTERVAL=-1;COUNT=3", "INTERVAL"),
        ("FREQ=WEEKLY;BYDAY=XX;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=1MO;COUNT=3", "BYDAY"),
        ("FREQ=WEEKLY;BYMONTHDAY=3;COUNT=3", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=32;COUNT=3", "BYMONTHDAY"),
        ("FREQ=DAILY;UNTIL=2027-01-01", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20000101", "UNTIL"),
        ("FREQ=DAILY;COUNT=3;COUNT=4", "COUNT"),
        ("COUNT=3", "FREQ"),
        ("FREQ", "FREQ"),
    ],
)
async def test_a_rule_outside_the_subset_is_a_422_naming_the_part(client, auth, lab, rrule, part):
    start = _monday_next_month()
    response = await create(
        client,
        await auth("bob"),
        series_body(lab.server1, start, start + timedelta(hours=1), rrule),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"].endswith("invalid-recurrence")
    assert problem["part"] == part
    assert part in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "rrule"]


async def test_a_series_over_the_types_cap_is_refused(client, auth, lab, session):
    await session.execute(
        text(
            "UPDATE resource_types SET max_occurrences = 5, booking_horizon = '60 days' "
            "WHERE id = :id"
        ),
        {"id": lab.rtype.id},
    )
    await session.commit()
    start = _monday_next_month()
    headers = await auth("bob")
    over = await create(
        client,
        headers,
        series_body(lab.server1, start, start + timedelta(hours=1), "FREQ=DAILY;COUNT=6"),
    )
    assert over.status_code == 422, over.text
    assert over.json()["type"].endswith("series-too-long")
    assert over.json()["part"] == "COUNT"
    beyond = await create(
        client,
        headers,
        series_body(
            lab.server1, start, start + timedelta(hours=1), "FREQ=WEEKLY;INTERVAL=2;COUNT=5"
        ),
    )
    assert beyond.status_code == 422, beyond.text
    assert beyond.json()["part"] == "COUNT"
    assert "horizon" in beyond.json()["detail"]
    fine = await create(
        client,
        headers,
        series_body(lab.server1, start, start + timedelta(hours=1), "FREQ=DAILY;COUNT=5"),
    )
    assert fine.status_code == 201, fine.text


async def test_every_occurrence_obeys_the_types_rules(client, auth, lab, session):
    await session.execute(
        text("UPDATE resource_types SET max_duration = '1 hour' WHERE id = :id"),
        {"id": lab.rtype.id},
    )
    await session.commit()
    start = _monday_next_month()
    response = await create(
        client,
        await auth("bob"),
        series_body(lab.server1, start, start + timedelta(hours=2), "FREQ=DAILY;COUNT=3"),
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"].endswith("booking-rule")
    assert problem["errors"][0]["loc"][:3] == ["body", "occurrences", 0]


async def _series(client, headers, lab, count=4):
    start = _monday_next_month()
    response = await create(
        client,
        headers,
        series_body(lab.server1, start, start + timedelta(hours=2), f"FREQ=WEEKLY;COUNT={count}"),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_series_changes_need_if_match_on_the_series(client, auth, lab):
    headers = await auth("bob")
    series = await _series(client, headers, lab)
    url = f"/api/v1/reservation-series/{series['id']}"
    missing = await client.patch(url, json={"title": "x"}, headers=headers)
    assert missing.status_code == 428
    stale = await client.patch(url, json={"title": "x"}, headers={**headers, "If-Match": '"7"'})
    assert stale.status_code == 412
    ok = await client.patch(url, json={"title": "Renamed"}, headers={**headers, "If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] == '"2"'
    assert {o["title"] for o in ok.json()["occurrences"]} == {"Renamed"}
    again = await client.patch(url, json={"title": "y"}, headers={**headers, "If-Match": '"1"'})
    assert again.status_code == 412


async def test_edit_this_and_the_following_occurrences(client, auth, lab, session):
    await set_time_zone(session, lab.site, "Europe/Rome")
    headers = await auth("bob")
    series = await _series(client, headers, lab)
    url = f"/api/v1/reservation-series/{series['id']}"
    ids = [o["id"] for o in series["occurrences"]]
    this = await client.patch(
        url,
        json={"scope": "this", "occurrence_id": ids[0], "title": "First"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert this.status_code == 200, this.text
    assert [o["title"] for o in this.json()["occurrences"]] == ["First"] + ["Lab session"] * 3
    following = await client.patch(
        url,
        json={
            "scope": "following",
            "occurrence_id": ids[2],
            "start_time": "14:00:00",
            "duration": "PT1H",
        },
        headers={**headers, "If-Match": '"2"'},
    )
    assert following.status_code == 200, following.text
    tz = ZoneInfo("Europe/Rome")
    occurrences = following.json()["occurrences"]
    old = [parse(o["start"]) for o in series["occurrences"]]
    for index, occurrence in enumerate(occurrences):
        start, end = parse(occurrence["start"]), parse(occurrence["end"])
        if index < 2:
            assert start == old[index]
        else:
            assert start.astimezone(tz).date() == old[index].astimezone(tz).date()
            assert (start.astimezone(tz).hour, end - start) == (14, timedelta(hours=1))
    # The slots moved with them (the constraint still holds them).
    slot = (
        await session.execute(
            select(ReservationSlot.period).where(ReservationSlot.reservation_id == ids[3])
        )
    ).scalar_one()
    assert slot.lower == parse(occurrences[3]["start"])
    updated = (
        await session.execute(
            select(func.count()).where(OutboxMessage.type == "reservation.updated")
        )
    ).scalar_one()
    assert updated == 3  # one per changed occurrence
    series_events = (
        (
            await session.execute(
                select(OutboxMessage.payload)
                .where(OutboxMessage.type == "reservation.series.updated")
                .order_by(OutboxMessage.created_at)
            )
        )
        .scalars()
        .all()
    )
    assert [e["data"]["scope"] for e in series_events] == ["this", "following"]


async def test_a_series_change_into_a_conflict_changes_nothing(client, auth, lab):
    headers = await auth("bob")
    series = await _series(client, headers, lab)
    last = series["occurrences"][-1]
    late = parse(last["end"]) + timedelta(hours=1)
    blocker = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, late, late + timedelta(hours=1)),
        headers=await auth("alice"),
    )
    assert blocker.status_code == 201
    url = f"/api/v1/reservation-series/{series['id']}"
    response = await client.patch(
        url, json={"duration": "PT4H"}, headers={**headers, "If-Match": '"1"'}
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"].endswith("series-conflict")
    assert [c["conflicting_reservation_id"] for c in problem["conflicts"]] == [blocker.json()["id"]]
    after = (await client.get(url, headers=headers)).json()
    assert after["version"] == 1
    assert [(o["start"], o["end"]) for o in after["occurrences"]] == [
        (o["start"], o["end"]) for o in series["occurrences"]
    ]


async def test_cancel_following_then_the_whole_series(client, auth, lab, session):
    headers = await auth("bob")
    series = await _series(client, headers, lab)
    url = f"/api/v1/reservation-series/{series['id']}"
    ids = [o["id"] for o in series["occurrences"]]
    following = await client.post(
        f"{url}/cancel",
        json={"scope": "following", "occurrence_id": ids[2]},
        headers={**headers, "If-Match": '"1"'},
    )
    assert following.status_code == 200, following.text
    assert [o["status"] for o in following.json()["occurrences"]] == [
        "confirmed",
        "confirmed",
        "cancelled",
        "cancelled",
    ]
    assert following.json()["status"] == "active"
    whole = await client.post(
        f"{url}/cancel", json={"scope": "all"}, headers={**headers, "If-Match": '"2"'}
    )
    assert whole.status_code == 200, whole.text
    assert whole.json()["status"] == "cancelled"
    assert {o["status"] for o in whole.json()["occurrences"]} == {"cancelled"}
    held = (
        await session.execute(select(func.count()).where(ReservationSlot.reservation_id.in_(ids)))
    ).scalar_one()
    assert held == 0
    types = (await session.execute(select(OutboxMessage.type))).scalars().all()
    assert types.count("reservation.cancelled") == 4
    assert types.count("reservation.series.updated") == 1
    assert types.count("reservation.series.cancelled") == 1


async def test_another_member_cannot_touch_my_series(client, auth, lab, make_user, session):
    series = await _series(client, await auth("bob"), lab, count=2)
    url = f"/api/v1/reservation-series/{series['id']}"
    carol = await client.get(url, headers=await auth("carol"))
    assert carol.status_code == 404
    alice = await client.post(
        f"{url}/cancel", json={}, headers={**await auth("alice"), "If-Match": '"1"'}
    )
    assert alice.status_code == 200  # a site admin may


async def test_preview_shows_busy_occurrences_and_books_nothing(client, auth, lab, session):
    start = _monday_next_month()
    blocker = await _prebook_third_week(client, auth, lab, start)
    response = await client.post(
        "/api/v1/reservation-series/preview",
        json=series_body(lab.server1, start, start + timedelta(hours=2), "FREQ=WEEKLY;COUNT=4"),
        headers=await auth("alice"),
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert [o["free"] for o in preview["occurrences"]] == [True, True, False, True]
    assert preview["occurrences"][2]["conflicting_reservation_id"] == blocker["id"]
    count = (await session.execute(select(func.count()).select_from(Reservation))).scalar_one()
    assert count == 1
