"""Reminders: N minutes (the owner's setting) before start and end, exactly once."""

from __future__ import annotations

from datetime import timedelta

import httpx
from reservation_be.mail.worker import MailWorker
from reservation_db.models import MailReminder, Notification
from sqlalchemy import func, select

from tests.mail.helpers import book, queued, text_of
from tests.reservations.factories import hours_from_now


async def test_a_reminder_is_written_once_when_due_whatever_the_replicas_and_restarts(
    app, client, auth, lab, sink, worker, mail_settings, session
):
    bob = await auth("bob")
    await client.patch(
        "/api/v1/users/me/notification-preferences",
        json={"reminder_start_minutes": 10},
        headers=bob,
    )
    start, end = hours_from_now(0), hours_from_now(2)
    reservation = await book(client, bob, lab.server1, start, end, title="Deploy")

    assert await worker.remind(start - timedelta(minutes=11)) == 0  # not due yet
    assert await worker.remind(start - timedelta(minutes=9)) == 1
    assert await worker.remind(start - timedelta(minutes=8)) == 0  # written already
    # Another replica, or this one after a restart: the ledger says it was written.
    other = MailWorker(
        sessionmaker=app.state.sessionmaker, settings=mail_settings, unsubscribe_secret="x"
    )
    assert await other.remind(start - timedelta(minutes=1)) == 0
    ledger = (await session.execute(select(MailReminder))).scalars().all()
    assert [(str(r.reservation_id), r.kind) for r in ledger] == [
        (reservation["id"], "reminder_start")
    ]
    notes = (
        await session.execute(
            select(Notification.params).where(Notification.kind == "reservation.reminder_start")
        )
    ).all()
    assert len(notes) == 1
    assert notes[0].params["minutes"] == 10 and notes[0].params["title"] == "Deploy"

    await worker.drain()
    mails = await sink.wait_for(2)
    reminder = next(m.message for m in mails if m.message["Subject"].startswith("Starts in"))
    assert reminder["Subject"] == "Starts in 10 min: Deploy"
    assert "starts in 10 minutes" in text_of(reminder)


async def test_the_end_reminder_uses_the_owners_minutes_too(client, auth, lab, worker, session):
    bob = await auth("bob")
    await client.patch(
        "/api/v1/users/me/notification-preferences",
        json={"reminder_end_minutes": 5},
        headers=bob,
    )
    start, end = hours_from_now(0), hours_from_now(1)
    await book(client, bob, lab.server1, start, end)
    assert await worker.remind(start - timedelta(minutes=29)) == 1  # start: 30 min by default
    assert await worker.remind(end - timedelta(minutes=6)) == 0
    assert await worker.remind(end - timedelta(minutes=4)) == 1  # end: 5 min, as set
    assert sorted(m.kind for m in await queued(session)) == [
        "booking_confirmed",
        "reminder_end",
        "reminder_start",
    ]


async def test_no_reminder_for_a_cancelled_booking_or_once_its_moment_passed(
    client, auth, lab, worker
):
    bob = await auth("bob")
    start = hours_from_now(0)
    gone = await book(client, bob, lab.server1, start, hours_from_now(1))
    await client.post(f"/api/v1/reservations/{gone['id']}/cancel", headers=bob)
    assert await worker.remind(start - timedelta(minutes=5)) == 0
    await book(client, bob, lab.server2, start, hours_from_now(3))
    assert await worker.remind(start + timedelta(minutes=1)) == 0  # started: too late


async def test_reminders_turned_off_are_not_written(client, auth, lab, worker, session):
    bob = await auth("bob")
    await client.patch(
        "/api/v1/users/me/notification-preferences",
        json={"kinds": {"reminder_start": False}},
        headers=bob,
    )
    start = hours_from_now(0)
    await book(client, bob, lab.server1, start, hours_from_now(1))
    assert await worker.remind(start - timedelta(minutes=5)) == 0
    assert (await session.execute(select(func.count()).select_from(MailReminder))).scalar_one() == 0


async def test_a_reminder_unsubscribes_in_one_click(app, client, auth, lab, sink, worker):
    bob = await auth("bob")
    start = hours_from_now(0)
    await book(client, bob, lab.server1, start, hours_from_now(1))
    await worker.remind(start - timedelta(minutes=5))
    await worker.drain()
    mails = await sink.wait_for(2)
    reminder = next(m.message for m in mails if m.message["Subject"].startswith("Starts in"))
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = reminder["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://reservations.test/api/v1/mail/unsubscribe/")
    assert link in text_of(reminder)

    # What a mail client does (RFC 8058): POST the link, no cookie, no token.
    path = link.removeprefix("https://reservations.test")
    anonymous = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://reservations.test"
    )
    async with anonymous:
        page = await anonymous.get(path)  # a link checker, or a person clicking
        assert page.status_code == 200 and '<form method="post">' in page.text
        unchanged = await client.get("/api/v1/users/me/notification-preferences", headers=bob)
        assert unchanged.json()["kinds"]["reminder_start"] is True
        answer = await anonymous.post(
            path,
            content="List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200, answer.text
        forged = await anonymous.post(path[:-3] + "AAA")
        assert forged.status_code == 404
        assert forged.headers["content-type"].startswith("application/problem+json")
    prefs = await client.get("/api/v1/users/me/notification-preferences", headers=bob)
    assert prefs.json()["kinds"]["reminder_start"] is False
    assert prefs.json()["kinds"]["reminder_end"] is True
