"""The waitlist: fair order, visible position, offers and auto-booking with a deadline, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from reservation_be.fairuse.waitlist import offer_pass
from reservation_db.models import Notification, Reservation, WaitlistEntry
from sqlalchemy import event, select, update

from tests.fairuse.factories import PROBLEM, events_of, valid
from tests.reservations.factories import booking, hours_from_now


def wanted(start, end, **extra):
    return {"title": "wait", "start": start.isoformat(), "end": end.isoformat(), **extra}


async def wait(client, headers, resource, body):
    return await client.post(
        f"/api/v1/resources/{resource.id}/waitlist", json=body, headers=headers
    )


async def run_pass(app):
    async with app.state.sessionmaker() as session, session.begin():
        return await offer_pass(session, now=datetime.now(UTC))


async def blocked(client, auth, lab):
    made = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(0), hours_from_now(2)),
        headers=await auth("alice"),
    )
    assert made.status_code == 201, made.text
    return made.json()["id"]


async def test_members_wait_in_line_and_see_their_position(client, auth, lab, make_user):
    await blocked(client, auth, lab)
    bob = await auth("bob")
    first = await wait(client, bob, lab.server1, wanted(hours_from_now(0), hours_from_now(1)))
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["position"]) == ("waiting", 1)
    again = await wait(client, bob, lab.server1, wanted(hours_from_now(0), hours_from_now(1)))
    assert again.status_code == 409
    assert again.json()["type"].endswith("already-waiting")
    free = await wait(client, bob, lab.server2, wanted(hours_from_now(0), hours_from_now(1)))
    assert free.status_code == 409, free.text
    assert free.json()["type"].endswith("period-free")
    listed = await client.get("/api/v1/me/waitlist", headers=bob)
    assert [(e["id"], e["position"]) for e in listed.json()] == [(first.json()["id"], 1)]


async def test_a_freed_period_is_booked_for_the_first_in_line_who_confirms_it(
    app, client, auth, lab, people, session
):
    blocker = await blocked(client, auth, lab)
    bob = await auth("bob")
    first = await wait(
        client, bob, lab.server1, wanted(hours_from_now(0), hours_from_now(2), auto_book=True)
    )
    carol_like = await wait(
        client, await auth("alice"), lab.server1,
        wanted(hours_from_now(1), hours_from_now(2), auto_book=True),
    )  # fmt: skip
    assert carol_like.json()["position"] == 2
    assert await run_pass(app) == 0  # still busy
    cancelled = await client.post(
        f"/api/v1/reservations/{blocker}/cancel", headers=await auth("alice")
    )
    assert cancelled.status_code == 200
    assert await run_pass(app) == 1  # the first in line only: the second is still blocked
    entries = (await client.get("/api/v1/me/waitlist", headers=bob)).json()
    assert entries[0]["status"] == "booked" and entries[0]["confirm_by"]
    reservation = await session.get(Reservation, entries[0]["reservation_id"])
    assert reservation.owner_id == people["bob"] and reservation.status == "confirmed"
    note = await session.execute(
        select(Notification.message, Notification.params).where(
            Notification.user_id == people["bob"], Notification.kind == "waitlist.offered"
        )
    )
    message, params = note.one()
    assert "confirm it by" in message
    assert params["booked"] is True
    assert datetime.fromisoformat(params["confirm_by"]) == datetime.fromisoformat(
        entries[0]["confirm_by"]
    )
    confirmed = await client.post(f"/api/v1/waitlist/{first.json()['id']}/confirm", headers=bob)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    # The booking holds the period: the next one waits on.
    assert await run_pass(app) == 0


async def test_an_unconfirmed_booking_is_released_and_the_next_in_line_served(
    app, client, auth, lab, people, session
):
    blocker = await blocked(client, auth, lab)
    first = await wait(
        client, await auth("bob"), lab.server1,
        wanted(hours_from_now(0), hours_from_now(2), auto_book=True),
    )  # fmt: skip
    second = await wait(
        client, await auth("alice"), lab.server1,
        wanted(hours_from_now(0), hours_from_now(1), auto_book=True),
    )  # fmt: skip
    await client.post(f"/api/v1/reservations/{blocker}/cancel", headers=await auth("alice"))
    await run_pass(app)
    await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == first.json()["id"])
        .values(confirm_by=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    await run_pass(app)  # releases bob's unconfirmed booking, then serves alice
    entries = {
        str(e.id): e
        for e in (
            await session.execute(select(WaitlistEntry).execution_options(populate_existing=True))
        ).scalars()
    }
    mine = entries[first.json()["id"]]
    assert mine.status == "expired"
    dropped = await session.get(Reservation, mine.reservation_id, populate_existing=True)
    assert (dropped.status, dropped.status_reason) == (
        "cancelled",
        "not confirmed from the waitlist in time",
    )
    [event] = [
        e for e in await events_of(session, dropped.id) if e["type"] == "reservation.cancelled"
    ]
    assert valid(event)["data"]["cause"] == "unconfirmed"
    assert entries[second.json()["id"]].status == "booked"


async def test_without_auto_book_the_first_in_line_is_told_and_the_next_waits(
    app, client, auth, lab, people, session
):
    blocker = await blocked(client, auth, lab)
    first = await wait(
        client, await auth("bob"), lab.server1, wanted(hours_from_now(0), hours_from_now(1))
    )
    await client.post(f"/api/v1/reservations/{blocker}/cancel", headers=await auth("alice"))
    assert await run_pass(app) == 1
    listed = (await client.get("/api/v1/me/waitlist", headers=await auth("bob"))).json()
    assert listed[0]["id"] == first.json()["id"] and listed[0]["status"] == "offered"
    assert listed[0]["reservation_id"] is None


async def test_a_wait_expires(app, client, auth, lab, session):
    await blocked(client, auth, lab)
    entry = await wait(
        client, await auth("bob"), lab.server1,
        wanted(hours_from_now(0), hours_from_now(1),
               expires_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()),
    )  # fmt: skip
    assert entry.status_code == 201, entry.text
    await session.execute(
        update(WaitlistEntry)
        .where(WaitlistEntry.id == entry.json()["id"])
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    assert await run_pass(app) == 1
    listed = (await client.get("/api/v1/me/waitlist", headers=await auth("bob"))).json()
    assert listed[0]["status"] == "expired" and listed[0]["position"] is None


async def test_leaving_the_line_moves_the_next_up(client, auth, lab):
    await blocked(client, auth, lab)
    first = await wait(
        client, await auth("bob"), lab.server1, wanted(hours_from_now(0), hours_from_now(1))
    )
    second = await wait(
        client, await auth("alice"), lab.server1, wanted(hours_from_now(0), hours_from_now(1))
    )
    assert second.json()["position"] == 2
    carol = await client.delete(
        f"/api/v1/waitlist/{first.json()['id']}", headers=await auth("carol")
    )
    assert carol.status_code == 404
    gone = await client.delete(f"/api/v1/waitlist/{first.json()['id']}", headers=await auth("bob"))
    assert gone.status_code == 204
    listed = (await client.get("/api/v1/me/waitlist", headers=await auth("alice"))).json()
    assert listed[0]["position"] == 1


@pytest.mark.parametrize(
    "change",
    [
        {"end": hours_from_now(-30).isoformat()},
        {"start": (datetime.now(UTC) - timedelta(hours=1)).isoformat()},
        {"expires_at": hours_from_now(5).isoformat()},
        {"title": ""},
    ],
)
async def test_bad_waits_are_422(client, auth, lab, change):
    await blocked(client, auth, lab)
    body = {**wanted(hours_from_now(0), hours_from_now(1)), **change}
    response = await wait(client, await auth("bob"), lab.server1, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM


async def test_my_waitlist_reads_every_place_in_line_in_one_statement(
    app, client, auth, lab, people, session
):
    """Places in line as the rule says (open entries ahead for an overlapping period of the
    same resource), for many entries at once, with one position query for all of them."""
    for resource in (lab.server1, lab.server2):
        made = await client.post(
            "/api/v1/reservations",
            json=booking(resource, hours_from_now(0), hours_from_now(12)),
            headers=await auth("alice"),
        )
        assert made.status_code == 201, made.text
    bob, alice = await auth("bob"), await auth("alice")

    async def line(headers, resource, lo, hi):
        made = await wait(client, headers, resource, wanted(hours_from_now(lo), hours_from_now(hi)))
        assert made.status_code == 201, made.text
        return made.json()["id"]

    ahead = [await line(alice, lab.server1, lo, hi) for lo, hi in ((0, 2.5), (4, 4.5), (9, 10))]
    await line(alice, lab.server2, 0, 12)
    for lo, hi in ((0.5, 2), (2, 3), (4, 5), (6, 8), (9, 12)):
        await line(bob, lab.server1, lo, hi)
        await line(bob, lab.server2, lo, hi)
    await line(alice, lab.server1, 6, 7)  # behind bob: not ahead of him
    await session.execute(
        update(WaitlistEntry).where(WaitlistEntry.id == ahead[1]).values(status="cancelled")
    )
    await session.commit()
    rows = (await session.execute(select(WaitlistEntry))).scalars().all()

    def oracle(entry: WaitlistEntry) -> int | None:
        if entry.status != "waiting":
            return None
        return 1 + sum(
            1
            for other in rows
            if other.resource_id == entry.resource_id
            and other.status in ("waiting", "offered", "booked")
            and other.period.lower < entry.period.upper
            and entry.period.lower < other.period.upper
            and (other.created_at, other.id) < (entry.created_at, entry.id)
        )

    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    try:
        listed = await client.get("/api/v1/me/waitlist", headers=bob)
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", record)
    assert listed.status_code == 200, listed.text
    expected = {str(e.id): oracle(e) for e in rows if e.user_id == people["bob"]}
    got = {e["id"]: e["position"] for e in listed.json()}
    assert got == expected
    assert sorted(got.values()) == [1, 1] + [2] * 8
    assert sum("count(" in s for s in statements) == 1
