"""Mails leave through a real SMTP server: content, headers, locale, invitation, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from reservation_db.models import MailMessage, MailStatus, Notification
from sqlalchemy import func, select, text, update

from tests.factories import add_member
from tests.mail.helpers import book, event_of, html_of, invitation_of, queued, text_of
from tests.reservations.factories import hours_from_now


async def test_a_booking_mails_its_confirmation_with_an_invitation(
    client, auth, lab, people, sink, worker, session
):
    bob = await auth("bob")
    patched = await client.patch("/api/v1/users/me", json={"timezone": "Europe/Rome"}, headers=bob)
    assert patched.status_code == 200
    start, end = hours_from_now(0), hours_from_now(2)
    reservation = await book(client, bob, lab.server1, start, end, title="GPU run")

    assert await worker.drain() == 1
    [mail] = await sink.wait_for(1)
    assert mail.recipients == ["bob@example.com"]
    message = mail.message
    assert message["Subject"] == "Booking confirmed: GPU run"
    assert message["From"] == "Reservations <reservations@platform.test>"
    assert message["To"].addresses[0].addr_spec == "bob@example.com"
    [row] = await queued(session)
    assert message["Message-ID"] == f"<mail-{row.id}@platform.test>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert "List-Unsubscribe" not in message  # only reminders carry it
    text = text_of(message)
    local = start.astimezone(ZoneInfo("Europe/Rome"))
    assert f"{local:%Y-%m-%d %H:%M}" in text and "Europe/Rome" in text
    assert "rack-a / server-1" in text
    assert f"https://reservations.test/reservations?reservation={reservation['id']}" in text
    assert "GPU run" in html_of(message)

    inline, attached = invitation_of(message)
    for cal in (inline, attached):
        assert cal["METHOD"] == "REQUEST"
        event = event_of(cal)
        assert event["UID"] == f"reservation-{reservation['id']}@platform.test"
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART") == start
        assert event.decoded("DTEND") == end
        assert event["SUMMARY"] == "GPU run"
        assert str(event["ORGANIZER"]) == "mailto:reservations@platform.test"
        assert str(event["ATTENDEE"]) == "mailto:bob@example.com"
        assert event["STATUS"] == "CONFIRMED"
    assert row.status == MailStatus.SENT.value and row.sent_at is not None
    # The mail rode on the notification, written in the same transaction.
    note = (await session.execute(select(Notification))).scalars().one()
    assert row.notification_id == note.id


async def test_mails_are_written_in_the_users_locale(client, auth, lab, sink, worker):
    bob = await auth("bob")
    response = await client.patch(
        "/api/v1/users/me/notification-preferences", json={"locale": "it"}, headers=bob
    )
    assert response.status_code == 200, response.text
    await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1), title="Prova")
    await worker.drain()
    [mail] = await sink.wait_for(1)
    assert mail.message["Subject"] == "Prenotazione confermata: Prova"
    assert "La tua prenotazione di server-1 è confermata." in text_of(mail.message)
    assert 'lang="it"' in html_of(mail.message)


async def test_an_unknown_locale_in_the_database_falls_back_to_english(
    client, auth, lab, people, sink, worker, session
):
    bob = await auth("bob")
    await client.patch("/api/v1/users/me/notification-preferences", json={}, headers=bob)
    await session.execute(
        text("UPDATE notification_preferences SET locale = 'xx-YY' WHERE user_id = :u"),
        {"u": people["bob"]},
    )
    await session.commit()
    await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1), title="T")
    await worker.drain()
    [mail] = await sink.wait_for(1)
    assert mail.message["Subject"] == "Booking confirmed: T"


async def test_a_kind_turned_off_is_not_mailed_but_still_notified_in_the_app(
    client, auth, lab, people, sink, worker, session
):
    bob = await auth("bob")
    response = await client.patch(
        "/api/v1/users/me/notification-preferences",
        json={"kinds": {"booking_confirmed": False}},
        headers=bob,
    )
    assert response.json()["kinds"]["booking_confirmed"] is False
    assert response.json()["kinds"]["booking_cancelled"] is True
    await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    assert await queued(session) == []
    assert await worker.drain() == 0
    notes = (await session.execute(select(func.count()).select_from(Notification))).scalar_one()
    assert notes == 1


async def test_a_cancellation_by_a_site_admin_mails_a_cancel_of_the_same_event(
    client, auth, lab, sink, worker
):
    bob, alice = await auth("bob"), await auth("alice")
    reservation = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    cancelled = await client.post(f"/api/v1/reservations/{reservation['id']}/cancel", headers=alice)
    assert cancelled.status_code == 200, cancelled.text
    await worker.drain()
    first, second = await sink.wait_for(2)
    assert second.message["Subject"] == "Booking cancelled: Test booking"
    assert "cancelled by alice" in text_of(second.message)
    created, cancel = (event_of(invitation_of(m.message)[0]) for m in (first, second))
    assert invitation_of(second.message)[0]["METHOD"] == "CANCEL"
    assert cancel["UID"] == created["UID"]
    assert cancel["SEQUENCE"] > created["SEQUENCE"]
    assert cancel["STATUS"] == "CANCELLED"


async def test_ones_own_cancellation_is_not_mailed(client, auth, lab, sink, worker, session):
    bob = await auth("bob")
    reservation = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    await client.post(f"/api/v1/reservations/{reservation['id']}/cancel", headers=bob)
    assert [m.kind for m in await queued(session)] == ["booking_confirmed"]


async def test_a_booking_awaiting_approval_mails_the_owner_and_the_site_admins(
    client, auth, lab, session, sink, worker
):
    lab.rtype.requires_approval = True
    session.add(lab.rtype)
    await session.commit()
    bob = await auth("bob")
    reservation = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    assert reservation["status"] == "pending"
    kinds = sorted((m.kind, m.to_address) for m in await queued(session))
    assert kinds == [
        ("approval_requested", "alice@example.com"),
        ("booking_awaiting_approval", "bob@example.com"),
    ]
    await worker.drain()
    mails = {m.recipients[0]: m.message for m in await sink.wait_for(2)}
    assert mails["alice@example.com"]["Subject"] == "Approval requested: Test booking"
    assert "https://reservations.test/admin/approvals" in text_of(mails["alice@example.com"])
    assert event_of(invitation_of(mails["bob@example.com"])[0])["STATUS"] == "TENTATIVE"


async def test_the_server_refusing_then_accepting_is_retried_with_backoff(
    client, auth, lab, sink, worker, session, mail_metrics
):
    sink.fail_next(1)
    await book(client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(1))
    assert await worker.drain() == 1
    [row] = await queued(session)
    assert row.status == MailStatus.PENDING.value and row.attempts == 1
    assert row.last_error is not None and row.last_error.startswith("451")
    wait = row.next_attempt_at - datetime.now(UTC)
    assert timedelta(seconds=40) < wait < timedelta(seconds=80)  # 60 s base, jitter ±20 %
    assert await worker.drain() == 0  # not due yet
    assert sink.caught == []

    await session.execute(update(MailMessage).values(next_attempt_at=func.now()))
    await session.commit()
    assert await worker.drain() == 1
    [mail] = await sink.wait_for(1)
    [row] = await queued(session)
    assert row.status == MailStatus.SENT.value and row.attempts == 2
    assert mail.message["Subject"] == "Booking confirmed: Test booking"
    sample = mail_metrics.registry.get_sample_value
    assert sample("reservation_be_mail_retries_total") == 1
    assert sample("reservation_be_mail_sent_total", {"kind": "booking_confirmed"}) == 1


async def test_a_mail_that_keeps_failing_is_marked_failed_after_the_last_attempt(
    client, auth, lab, sink, worker, session
):
    sink.fail_next(100)
    await book(client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(1))
    for _ in range(3):
        await session.execute(update(MailMessage).values(next_attempt_at=func.now()))
        await session.commit()
        await worker.drain()
    [row] = await queued(session)
    assert row.status == MailStatus.FAILED.value and row.attempts == 3
    assert "gave up after 3 attempts: 451" in (row.last_error or "")


async def test_a_refused_address_fails_at_once_and_holds_no_other_mail_back(
    client, auth, lab, make_user, sink, worker, session, mail_metrics
):
    # Dave's address is refused by the server (550): permanent, no retry.
    dave_id, dave = await make_user(email="refuse-dave@example.com")
    await add_member(session, lab.site, dave_id)
    sink.refuse_recipients_containing("refuse-")
    await book(client, dave, lab.server1, hours_from_now(0), hours_from_now(1), title="Dave's")
    await book(client, await auth("bob"), lab.server2, hours_from_now(0), hours_from_now(1))
    assert await worker.drain() == 2
    [mail] = await sink.wait_for(1)
    assert mail.recipients == ["bob@example.com"]
    rows = {r.to_address: r for r in await queued(session)}
    failed = rows["refuse-dave@example.com"]
    assert failed.status == MailStatus.FAILED.value and failed.attempts == 1
    assert (failed.last_error or "").startswith("550")
    assert rows["bob@example.com"].status == MailStatus.SENT.value
    failed_total = mail_metrics.registry.get_sample_value(
        "reservation_be_mail_failed_total", {"reason": "permanent"}
    )
    assert failed_total == 1


async def test_a_mail_that_cannot_render_is_failed_and_the_next_one_is_sent(
    client, auth, lab, people, sink, worker, session
):
    session.add(
        MailMessage(
            user_id=people["bob"],
            kind="booking_confirmed",
            to_address="bob@example.com",
            context={"reservation": {"title": "no times"}},
            next_attempt_at=datetime.now(UTC) - timedelta(minutes=1),
        )
    )
    await session.commit()
    await book(client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(1))
    assert await worker.drain() == 2
    [mail] = await sink.wait_for(1)
    assert mail.message["Subject"] == "Booking confirmed: Test booking"
    broken = [r for r in await queued(session) if r.status == MailStatus.FAILED.value]
    assert len(broken) == 1 and "cannot render" in (broken[0].last_error or "")
