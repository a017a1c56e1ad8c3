from __future__ import annotations

import uuid

from reservation_db.models import MailMessage, MailStatus, NotificationPreference
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit.errors import Conflict, NotFound
from reservation_be.kit.pagination import PaginationParams, paginate
from reservation_be.mail import repository
from reservation_be.mail.kinds import (
    DEFAULT_REMINDER_END_MINUTES,
    DEFAULT_REMINDER_START_MINUTES,
    DEFAULTS,
    MailKind,
)
from reservation_be.mail.schemas import (
    CalendarFeedState,
    MailOut,
    PreferencesOut,
    PreferencesUpdate,
    Unsubscribed,
)
from reservation_be.mail.unsubscribe import read_token


class UnsubscribeLinkInvalid(NotFound):
    slug, title = "unsubscribe-link-invalid", "Unsubscribe link not valid"


class MailNotFailed(Conflict):
    slug, title = "mail-not-failed", "Only a failed mail can be queued again"


def to_out(prefs: NotificationPreference | None) -> PreferencesOut:
    overrides = prefs.kinds if prefs is not None else {}
    return PreferencesOut(
        locale=prefs.locale if prefs is not None else None,
        kinds={kind: bool(overrides.get(kind.value, DEFAULTS[kind])) for kind in MailKind},
        reminder_start_minutes=(
            prefs.reminder_start_minutes if prefs is not None else DEFAULT_REMINDER_START_MINUTES
        ),
        reminder_end_minutes=(
            prefs.reminder_end_minutes if prefs is not None else DEFAULT_REMINDER_END_MINUTES
        ),
        calendar_feed=CalendarFeedState(
            active=prefs is not None and prefs.calendar_token_hash is not None,
            created_at=prefs.calendar_token_created_at if prefs is not None else None,
        ),
    )


async def get_preferences(session: AsyncSession, actor: Actor) -> PreferencesOut:
    policy.require_user(actor)
    return to_out(await repository.preferences(session, actor.user_id))


async def update_preferences(
    session: AsyncSession, actor: Actor, body: PreferencesUpdate
) -> PreferencesOut:
    policy.require_user(actor)
    prefs = await repository.preferences_for_update(session, actor.user_id)
    if "locale" in body.model_fields_set:
        prefs.locale = body.locale
    if body.kinds:
        # A new dict: JSONB columns are not tracked for in-place changes.
        prefs.kinds = {**prefs.kinds, **{k.value: v for k, v in body.kinds.items()}}
    if body.reminder_start_minutes is not None:
        prefs.reminder_start_minutes = body.reminder_start_minutes
    if body.reminder_end_minutes is not None:
        prefs.reminder_end_minutes = body.reminder_end_minutes
    await session.flush()
    await session.refresh(prefs)
    return to_out(prefs)


async def unsubscribe(session: AsyncSession, secret: str, token: str) -> Unsubscribed:
    """RFC 8058 one-click: the signed link is the credential (a mail client posts it)."""
    found = read_token(secret, token)
    if found is None:
        raise UnsubscribeLinkInvalid("This unsubscribe link is not valid (or no longer is).")
    user_id, kind_text = found
    try:
        kind = MailKind(kind_text)
    except ValueError as exc:
        raise UnsubscribeLinkInvalid("This unsubscribe link names no kind of mail.") from exc
    if await repository.recipient(session, user_id) is None:
        raise UnsubscribeLinkInvalid("This unsubscribe link is not valid (or no longer is).")
    prefs = await repository.preferences_for_update(session, user_id)
    prefs.kinds = {**prefs.kinds, kind.value: False}
    await session.flush()
    return Unsubscribed(kind=kind, enabled=False)


async def list_mails(
    session: AsyncSession, actor: Actor, params: PaginationParams, *, status: MailStatus | None
) -> tuple[list[MailOut], int]:
    policy.require_platform_admin(actor)
    rows, total = await paginate(session, repository.mails(status), params)
    return [MailOut.model_validate(r) for r in rows], total


async def retry_mail(session: AsyncSession, actor: Actor, mail_id: uuid.UUID) -> MailOut:
    policy.require_platform_admin(actor)
    mail: MailMessage | None = await repository.get_mail_for_update(session, mail_id)
    if mail is None:
        raise NotFound("Mail not found.")
    if mail.status != MailStatus.FAILED.value:
        raise MailNotFailed(f"This mail is {mail.status}; only a failed mail is queued again.")
    mail.status = MailStatus.PENDING.value
    mail.attempts = 0
    mail.next_attempt_at = func.now()
    await session.flush()
    await session.refresh(mail)
    return MailOut.model_validate(mail)
