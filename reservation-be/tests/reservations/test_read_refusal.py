"""A booking whose period is already held by a committed reservation or maintenance window is
refused from its read (reservations/booking.py): it writes nothing, takes no lock, and answers
what the write's 23P01 would have; the checks that come before the write still come first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from reservation_be.kit import driver
from reservation_be.reservations import booking as booking_module

from tests.reservations.factories import booking, hours_from_now

PATH = "/api/v1/reservations"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the booking statements sent to PostgreSQL ("read", "write")."""
    names = {id(booking_module._READ): "read", id(booking_module._BOOK): "write"}
    statements: list[str] = []
    fetchrow = driver.fetchrow

    async def recorded(session: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if id(statement) in names:
            statements.append(names[id(statement)])
        return await fetchrow(session, statement, *args, **kwargs)

    monkeypatch.setattr(driver, "fetchrow", recorded)
    return statements


async def test_a_period_already_booked_is_refused_without_a_write(client, auth, lab, sent) -> None:
    bob = await auth("bob")
    held = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(0), hours_from_now(2)), headers=bob
    )
    assert held.status_code == 201, held.text
    assert sent == ["read", "write"]
    sent.clear()
    refused = await client.post(
        PATH, json=booking(lab.rack, hours_from_now(1), hours_from_now(3)), headers=bob
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["conflicting_reservation"]["id"] == held.json()["id"]
    assert sent == ["read"]


async def test_the_hold_widened_by_lead_time_and_teardown_is_refused_from_the_read(
    client, auth, lab, session, sent
) -> None:
    lab.rtype.lead_time = timedelta(minutes=30)
    lab.rtype.teardown_grace = timedelta(minutes=15)
    await session.commit()
    bob = await auth("bob")
    held = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(2), hours_from_now(3)), headers=bob
    )
    assert held.status_code == 201, held.text
    sent.clear()
    # Overlaps only the other's teardown grace and its own lead time.
    close = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(3.2), hours_from_now(4)), headers=bob
    )
    assert close.status_code == 409, close.text
    assert close.json()["conflicting_reservation"]["id"] == held.json()["id"]
    assert sent == ["read"]


async def test_a_maintenance_window_is_refused_from_the_read(client, auth, lab, sent) -> None:
    window = await client.post(
        f"/api/v1/sites/{lab.site.id}/blackouts",
        json={
            "resource_id": str(lab.rack.id),
            "scope": "subtree",
            "reason": "firmware upgrade",
            "start": hours_from_now(0).isoformat(),
            "end": hours_from_now(4).isoformat(),
        },
        headers=await auth("alice"),
    )
    assert window.status_code == 201, window.text
    sent.clear()
    refused = await client.post(
        PATH,
        json=booking(lab.server1, hours_from_now(3), hours_from_now(5)),
        headers=await auth("bob"),
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["blackout"]["id"] == window.json()["id"]
    assert sent == ["read"]


async def test_a_free_period_next_to_a_booking_is_written(client, auth, lab, sent) -> None:
    bob = await auth("bob")
    first = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(0), hours_from_now(2)), headers=bob
    )
    after = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(2), hours_from_now(3)), headers=bob
    )
    sibling = await client.post(
        PATH, json=booking(lab.server2, hours_from_now(0), hours_from_now(2)), headers=bob
    )
    assert (first.status_code, after.status_code, sibling.status_code) == (201, 201, 201)
    assert sent == ["read", "write"] * 3


async def test_the_checks_before_the_write_still_answer_first(client, auth, lab, sent) -> None:
    bob = await auth("bob")
    held = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(0), hours_from_now(2)), headers=bob
    )
    assert held.status_code == 201, held.text
    # Someone who may not book here is told so, not that the period is taken.
    stranger = await client.post(
        PATH,
        json=booking(lab.server1, hours_from_now(0), hours_from_now(2)),
        headers=await auth("carol"),
    )
    assert stranger.status_code == 403, stranger.text
    assert stranger.json()["type"].endswith(":forbidden")
    # A period the type's rules refuse is refused for that, not for the booking in the way.
    backwards = await client.post(
        PATH, json=booking(lab.server1, hours_from_now(1), hours_from_now(0.5)), headers=bob
    )
    assert backwards.status_code == 422, backwards.text


async def test_a_pool_with_units_left_is_not_refused_by_a_partial_hold(
    client, auth, lab, session, sent
) -> None:
    lab.server1.capacity = 4
    await session.commit()
    bob = await auth("bob")
    for _ in range(2):
        made = await client.post(
            PATH,
            json=booking(lab.server1, hours_from_now(0), hours_from_now(2), quantity=2),
            headers=bob,
        )
        assert made.status_code == 201, made.text
    full = await client.post(
        PATH,
        json=booking(lab.server1, hours_from_now(1), hours_from_now(3), quantity=1),
        headers=bob,
    )
    assert full.status_code == 409, full.text
    assert sent.count("write") == 3


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01T00:30:00+00:00", "0001-01-01T01:00:00+00:00"),
        ("9999-12-31T22:00:00+00:00", "9999-12-31T23:00:00+00:00"),
        ("2030-01-01T02:00:00+00:00", "2030-01-01T01:00:00+00:00"),
    ],
    ids=["year-1", "year-9999", "backwards"],
)
async def test_periods_at_the_ends_of_time_are_refused_by_the_rules(
    client, auth, lab, session, start, end
) -> None:
    # Widened by the type's lead time and teardown grace, the lookup's period leaves the years
    # 1-9999 a Python datetime can hold; PostgreSQL still compares it, and the rules answer.
    lab.rtype.lead_time = timedelta(hours=2)
    lab.rtype.teardown_grace = timedelta(hours=2)
    await session.commit()
    response = await client.post(
        PATH,
        json={"resource_id": str(lab.server1.id), "title": "t", "start": start, "end": end},
        headers=await auth("bob"),
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
