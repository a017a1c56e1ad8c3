"""A worker killed with SIGKILL mid-send loses no mail and sends none twice."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from reservation_db.models import MailMessage, MailStatus
from sqlalchemy import func, select

from tests.mail.helpers import book, queued
from tests.reservations.factories import hours_from_now

PART = Path(__file__).resolve().parents[2]
COUNT = 12


async def _start_worker(database_url: str, sink) -> asyncio.subprocess.Process:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "RESERVATION_BE_SMTP_HOST": sink.host,
        "RESERVATION_BE_SMTP_PORT": str(sink.port),
        "RESERVATION_BE_MAIL_FROM": "Reservations <reservations@platform.test>",
        "RESERVATION_BE_MAIL_POLL_INTERVAL": "0.2",
        "RESERVATION_BE_MAIL_REMINDER_INTERVAL": "0.2",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.mail.worker_process", database_url,
        cwd=PART, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    line = await asyncio.wait_for(process.stdout.readline(), 30)
    assert line.strip() == b"ready"
    return process


async def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    client, auth, lab, sink, worker, session, database_url
):
    await book(client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(1))
    [template] = await queued(session)
    for _ in range(COUNT - 1):
        session.add(
            MailMessage(
                user_id=template.user_id,
                kind=template.kind,
                to_address=template.to_address,
                context=template.context,
            )
        )
    await session.commit()
    # The server takes four mails, then leaves the fifth without an answer.
    holding, release = sink.hold(after=4)
    process = await _start_worker(database_url, sink)
    try:
        reached = await asyncio.to_thread(holding.wait, 30)
        if not reached:
            process.kill()
            _, err = await process.communicate()
            raise AssertionError(f"the worker never reached mail 5: {err.decode()[-3000:]}")
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    release.set()
    assert len(sink.caught) == 4

    # What the killed worker held is pending again (its transaction died with it): the next
    # worker sends it and the rest, each once.
    assert await worker.drain() == COUNT - 4
    caught = await sink.wait_for(COUNT)
    ids = [m.message["Message-ID"] for m in caught]
    assert len(ids) == COUNT and len(set(ids)) == COUNT
    session.expire_all()
    statuses = await session.execute(
        select(MailMessage.status, func.count()).group_by(MailMessage.status)
    )
    assert dict(statuses.all()) == {MailStatus.SENT.value: COUNT}
    rows = await queued(session)
    assert all(r.attempts == 1 for r in rows)  # the killed attempt left no trace


async def test_a_worker_killed_after_the_servers_250_sends_that_mail_again_with_the_same_message_id(
    client, auth, lab, sink, worker, session, database_url
):
    # The one window the queue cannot close: the server took the mail ("250") and the worker
    # died before its commit. The mail goes out again, as the same message, so the recipient's
    # client can fold the two copies into one.
    await book(client, await auth("bob"), lab.server1, hours_from_now(0), hours_from_now(1))
    [template] = await queued(session)
    for _ in range(COUNT - 1):
        session.add(
            MailMessage(
                user_id=template.user_id,
                kind=template.kind,
                to_address=template.to_address,
                context=template.context,
            )
        )
    await session.commit()
    holding, release = sink.hold(after=4, accepted=True)
    process = await _start_worker(database_url, sink)
    try:
        reached = await asyncio.to_thread(holding.wait, 30)
        if not reached:
            process.kill()
            _, err = await process.communicate()
            raise AssertionError(f"the worker never reached mail 5: {err.decode()[-3000:]}")
        # Frozen before the "250" reaches it, killed after the server answered.
        process.send_signal(signal.SIGSTOP)
        release.set()
        await asyncio.sleep(0.5)
        process.send_signal(signal.SIGKILL)
        await asyncio.wait_for(process.wait(), 10)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert len(sink.caught) == 5
    fifth = sink.caught[4].message["Message-ID"]

    assert await worker.drain() == COUNT - 4
    caught = await sink.wait_for(COUNT + 1)
    ids = [m.message["Message-ID"] for m in caught]
    assert len(ids) == COUNT + 1
    assert len(set(ids)) == COUNT  # one message twice, every other once
    assert ids.count(fifth) == 2
    again = [m for m in caught if m.message["Message-ID"] == fifth]
    assert again[0].message["Subject"] == again[1].message["Subject"]
    assert again[0].recipients == again[1].recipients
    session.expire_all()
    statuses = await session.execute(
        select(MailMessage.status, func.count()).group_by(MailMessage.status)
    )
    assert dict(statuses.all()) == {MailStatus.SENT.value: COUNT}
