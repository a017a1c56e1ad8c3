from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from icalendar import Calendar
from reservation_db.models import MailMessage
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.reservations.factories import booking


async def book(client: Any, headers: Any, resource: Any, start: Any, end: Any, **extra: Any) -> Any:
    response = await client.post(
        "/api/v1/reservations", json=booking(resource, start, end, **extra), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content())


def invitation_of(message: EmailMessage) -> tuple[Calendar, Calendar]:
    """The inline text/calendar part and the .ics attachment, both parsed."""
    inline = attached = None
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            inline = Calendar.from_ical(part.get_payload(decode=True))
        if part.get_filename() == "invite.ics":
            attached = Calendar.from_ical(part.get_payload(decode=True))
    assert inline is not None and attached is not None, "no invitation in the mail"
    return inline, attached


def event_of(cal: Calendar) -> Any:
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return events[0]


async def queued(session: AsyncSession) -> list[MailMessage]:
    session.expire_all()
    return list(
        (await session.execute(select(MailMessage).order_by(MailMessage.created_at))).scalars()
    )
