"""A queued mail as an RFC 5322 message: subject, text and HTML bodies, headers, invitation.

Rendered when sent, in the recipient's locale and time zone as they are then, from the context
snapshotted when the mail was queued. A template that cannot render raises
:class:`RenderError`: the mail is marked failed (retrying would render it the same way).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reservation_be.mail import ics
from reservation_be.mail.catalog import catalog
from reservation_be.mail.kinds import ICS_METHODS, REMINDERS, MailKind

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).parent / "templates"


class RenderError(Exception):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class Recipient:
    user_id: str
    address: str
    name: str | None
    locale: str | None
    timezone: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Envelope:
    mail_id: uuid.UUID
    kind: str
    context: dict[str, Any]
    recipient: Recipient


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """Where the message comes from and where its links point."""

    from_header: str
    domain: str
    public_url: str
    unsubscribe_url: str | None = None  # for reminders: the one-click URL of this recipient


def _template_error() -> type[Exception]:
    import jinja2

    return jinja2.TemplateError


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    # Imported when the first mail is rendered (~6 MB): an API process that sends none never
    # loads it.
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html.j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_time(value: str, tz: ZoneInfo, weekdays: tuple[str, ...]) -> str:
    at = datetime.fromisoformat(value).astimezone(tz)
    return f"{weekdays[at.weekday()]} {at:%Y-%m-%d %H:%M} ({at.tzname()}, {tz.key})"


def render(envelope: Envelope, site: Site) -> EmailMessage:
    try:
        kind = MailKind(envelope.kind)
    except ValueError as exc:
        raise RenderError(f"unknown mail kind {envelope.kind!r}") from exc
    recipient = envelope.recipient
    locale, words = catalog(recipient.locale)
    tz = zone(recipient.timezone)
    ctx = envelope.context
    try:
        r = ctx["reservation"]
        start, end = (local_time(r[k], tz, words["weekdays"]) for k in ("start", "end"))
        minutes = ctx.get("minutes", "")
        fields = {
            "title": r["title"],
            "resource": ctx["resource"]["name"],
            "site": ctx["site"]["name"],
            "start": start,
            "end": end,
            "minutes": minutes,
            "actor": ctx.get("actor") or "",
            "reason": r.get("status_reason") or "",
        }
        subject_text, intro_text = words["kinds"][kind]
        subject, intro = subject_text.format(**fields), intro_text.format(**fields)
        base = site.public_url.rstrip("/")
        link = (
            f"{base}/admin/approvals"
            if kind is MailKind.APPROVAL_REQUESTED
            else f"{base}/reservations?reservation={r['id']}"
        )
        values = {
            "locale": locale,
            "subject": subject,
            "intro": intro,
            "labels": words["labels"],
            "r": r,
            "resource_path": " / ".join(ctx["resource"]["path"]),
            "site": ctx["site"],
            "start": start,
            "end": end,
            "provisioning": ctx.get("provisioning") if kind.value.startswith("prov") else None,
            "link": link,
            "preferences_link": f"{base}/profile#notifications",
            "unsubscribe_link": site.unsubscribe_url if kind in REMINDERS else None,
        }
        env = _environment()
        text_body = env.get_template("mail.txt.j2").render(values)
        html_body = env.get_template("mail.html.j2").render(values)
    except (_template_error(), KeyError, TypeError, ValueError, IndexError) as exc:
        raise RenderError(f"cannot render {kind.value}: {type(exc).__name__}: {exc}") from exc

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = site.from_header
    message["To"] = _to_header(recipient)
    message["Date"] = format_datetime(datetime.now(tz=ZoneInfo("UTC")))
    message["Message-ID"] = f"<mail-{envelope.mail_id}@{site.domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message["X-Reservation-Mail-Kind"] = kind.value
    if kind in REMINDERS and site.unsubscribe_url:
        # RFC 8058: a mail client may unsubscribe with one POST, without opening a page.
        message["List-Unsubscribe"] = f"<{site.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text_body)
    message.add_alternative(html_body, subtype="html")
    method = ICS_METHODS.get(kind)
    if method is not None:
        invitation = ics.invitation(
            ctx,
            method=method,
            organizer=parseaddr(site.from_header)[1],
            attendee=recipient.address,
            domain=site.domain,
        )
        message.add_alternative(invitation, maintype="text", subtype="calendar",
                                params={"method": method})  # fmt: skip
        message.add_attachment(
            invitation, maintype="application", subtype="ics", filename="invite.ics"
        )
    return message


def _to_header(recipient: Recipient) -> str:
    try:
        return str(Address(display_name=recipient.name or "", addr_spec=recipient.address))
    except (ValueError, IndexError) as exc:
        raise RenderError(f"not an e-mail address: {recipient.address!r}") from exc


__all__ = ["Envelope", "Recipient", "RenderError", "Site", "render"]
