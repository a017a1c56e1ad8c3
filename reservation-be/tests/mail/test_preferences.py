"""Preferences: sane defaults, partial updates, bad input refused with a problem naming it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import pytest
from reservation_be.mail import queue
from reservation_be.mail.kinds import MailKind
from reservation_db.testing import _asyncpg_dsn

from tests.mail.helpers import book, queued
from tests.reservations.factories import hours_from_now

URL = "/api/v1/users/me/notification-preferences"


async def test_defaults_send_every_kind_in_english_with_30_and_15_minute_reminders(
    client, auth, lab
):
    body = (await client.get(URL, headers=await auth("bob"))).json()
    assert body == {
        "locale": None,
        "kinds": dict.fromkeys((k.value for k in MailKind), True),
        "reminder_start_minutes": 30,
        "reminder_end_minutes": 15,
        "calendar_feed": {"active": False, "created_at": None},
    }


async def test_an_update_changes_only_what_it_names(client, auth, lab):
    bob = await auth("bob")
    await client.patch(URL, json={"locale": "it", "kinds": {"booking_changed": False}}, headers=bob)
    body = (await client.patch(URL, json={"kinds": {"reminder_end": False}}, headers=bob)).json()
    assert body["locale"] == "it"
    assert body["kinds"]["booking_changed"] is False and body["kinds"]["reminder_end"] is False
    assert body["kinds"]["booking_confirmed"] is True
    body = (await client.patch(URL, json={"locale": None}, headers=bob)).json()
    assert body["locale"] is None and body["kinds"]["booking_changed"] is False


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"locale": "xx"}, "locale"),
        ({"kinds": {"newsletter": True}}, "kinds"),
        ({"kinds": {"booking_confirmed": "maybe"}}, "kinds"),
        ({"kinds": {"booking_confirmed": 0}}, "kinds"),
        ({"reminder_start_minutes": 0}, "reminder_start_minutes"),
        ({"reminder_end_minutes": 10081}, "reminder_end_minutes"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_bad_preferences_are_refused_with_a_problem_naming_the_field(
    client, auth, lab, body, field
):
    response = await client.patch(URL, json=body, headers=await auth("bob"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(field in e["loc"] for e in response.json()["errors"]), response.json()


async def test_a_user_without_an_address_gets_no_mail_and_books_as_ever(
    client, make_user, lab, session
):
    from tests.factories import add_member

    dave_id, dave = await make_user()  # no e-mail in the identity provider
    await add_member(session, lab.site, dave_id)
    await book(client, dave, lab.server1, hours_from_now(0), hours_from_now(1))
    assert await queued(session) == []


@contextlib.asynccontextmanager
async def _mail_wake_ups(database_url: str) -> AsyncIterator[asyncio.Queue[str]]:
    """The NOTIFYs on the mail queue's channel, as they arrive."""
    heard: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(_asyncpg_dsn(database_url))
    await listener.add_listener(queue.NOTIFY_CHANNEL, lambda *args: heard.put_nowait(args[2]))
    try:
        yield heard
    finally:
        await listener.close()


async def test_a_booking_wakes_the_mail_senders_only_when_it_queues_a_mail(
    client, auth, make_user, people, lab, session, database_url
):
    from tests.factories import add_member

    async with _mail_wake_ups(database_url) as heard:
        dave_id, dave = await make_user()  # no e-mail in the identity provider
        await add_member(session, lab.site, dave_id)
        await book(client, dave, lab.server1, hours_from_now(0), hours_from_now(1))
        await book(client, await auth("bob"), lab.server2, hours_from_now(0), hours_from_now(1))
        assert await asyncio.wait_for(heard.get(), timeout=5) == queue.NOTIFY_CHANNEL
        await asyncio.sleep(0.2)
        assert heard.empty()  # bob's booking woke them once, dave's not at all
        assert [m.user_id for m in await queued(session)] == [people["bob"]]


async def test_queueing_no_mail_wakes_no_sender(make_user, people, lab, session, database_url):
    async with _mail_wake_ups(database_url) as heard:
        dave_id, _ = await make_user()  # no e-mail in the identity provider
        kind = MailKind.BOOKING_CONFIRMED
        assert await queue.enqueue(session, [queue.Recipient(dave_id, kind)], {}) == 0
        await session.commit()
        assert await queue.enqueue(session, [queue.Recipient(people["bob"], kind)], {}) == 1
        await session.commit()
        assert await asyncio.wait_for(heard.get(), timeout=5) == queue.NOTIFY_CHANNEL
        await asyncio.sleep(0.2)
        assert heard.empty()


async def test_failed_mails_are_listed_for_platform_admins_and_can_be_queued_again(
    client, auth, lab, make_user, sink, worker, session
):
    from tests.factories import add_member

    dave_id, dave = await make_user(email="refuse-dave@example.com")
    await add_member(session, lab.site, dave_id)
    sink.refuse_recipients_containing("refuse-")
    await book(client, dave, lab.server1, hours_from_now(0), hours_from_now(1))
    await worker.drain()
    admin = await auth("admin")
    listed = await client.get("/api/v1/admin/mails?status=failed", headers=admin)
    [failed] = listed.json()["items"]
    assert failed["to_address"] == "refuse-dave@example.com"
    assert failed["kind"] == "booking_confirmed" and failed["last_error"].startswith("550")

    sink.refuse_recipients_containing(None)  # the address was fixed at the server
    retried = await client.post(f"/api/v1/admin/mails/{failed['id']}/retry", headers=admin)
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    again = await client.post(f"/api/v1/admin/mails/{failed['id']}/retry", headers=admin)
    assert again.status_code == 409
    assert again.json()["type"] == "urn:reservation:problem:mail-not-failed"
    await worker.drain()
    [mail] = await sink.wait_for(1)
    assert mail.recipients == ["refuse-dave@example.com"]
