"""Fair-use quotas on a change of a recurring series: a quota's refusal of any occurrence refuses
the whole change, listing every refused occurrence with its reason, as a conflict does. (Quotas on
creating a series: tests/fairuse/test_quota_paths.py.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.reservations.factories import booking

SERIES = "/api/v1/reservation-series"


def _monday_next_month() -> datetime:
    day = (datetime.now(UTC) + timedelta(days=30)).replace(
        hour=9, minute=0, second=0, microsecond=0
    )
    return day + timedelta(days=(7 - day.weekday()) % 7)


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


async def _quota(client, auth, lab, **limits) -> None:
    created = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas", json=limits, headers=await auth("alice")
    )
    assert created.status_code == 201, created.text


def _weekly(lab, start: datetime, count: int, mode: str) -> dict:
    return {
        **booking(lab.server1, start, start + timedelta(hours=2), title="Lab session"),
        "rrule": f"FREQ=WEEKLY;COUNT={count}",
        "conflict_mode": mode,
    }


async def test_a_series_change_over_a_quota_lists_every_refused_occurrence_and_changes_nothing(
    client, auth, lab, session
):
    # 5 h in any 7 days: a weekly 2 h series fits, a weekly 6 h one does not.
    await _quota(client, auth, lab, max_booked="PT5H", booked_window="week")
    start = _monday_next_month()
    headers = await auth("bob")
    created = await client.post(
        SERIES, json=_weekly(lab, start, 4, "all-or-nothing"), headers=headers
    )
    assert created.status_code == 201, created.text
    series = created.json()
    ids = [o["id"] for o in series["occurrences"]]
    response = await client.patch(
        f"{SERIES}/{series['id']}",
        json={"scope": "following", "occurrence_id": ids[1], "duration": "PT6H"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["type"].endswith("series-conflict")
    # Every occurrence in scope is listed with the period it would have had, not only the
    # first one refused.
    assert [
        (_parse(c["start"]), _parse(c["end"]) - _parse(c["start"]), c["reason"])
        for c in problem["conflicts"]
    ] == [(start + timedelta(weeks=w), timedelta(hours=6), "quota-exceeded") for w in (1, 2, 3)]
    after = (await client.get(f"{SERIES}/{series['id']}", headers=headers)).json()
    assert after["version"] == 1
    assert [(o["start"], o["end"]) for o in after["occurrences"]] == [
        (o["start"], o["end"]) for o in series["occurrences"]
    ]
    # Within the quota the same change goes through.
    ok = await client.patch(
        f"{SERIES}/{series['id']}",
        json={"scope": "following", "occurrence_id": ids[1], "duration": "PT4H"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert ok.status_code == 200, ok.text
