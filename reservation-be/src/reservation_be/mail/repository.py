"""Every query of the mail queue, the reminders' ledger and the preferences."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reservation_db.models import (
    MailMessage,
    MailReminder,
    MailStatus,
    NotificationPreference,
    User,
)
from sqlalchemy import Select, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Integer, String


async def claim_due(session: AsyncSession, now: datetime) -> MailMessage | None:
    """The next mail due, locked for this transaction; other senders skip it."""
    stmt = (
        select(MailMessage)
        .where(MailMessage.status == MailStatus.PENDING.value, MailMessage.next_attempt_at <= now)
        .order_by(MailMessage.next_attempt_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalars().first()


async def recipient(
    session: AsyncSession, user_id: str
) -> tuple[User, NotificationPreference | None] | None:
    stmt = (
        select(User, NotificationPreference)
        .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(User.id == user_id)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row is not None else None


async def preferences(session: AsyncSession, user_id: str) -> NotificationPreference | None:
    return await session.get(NotificationPreference, user_id)


async def preferences_for_update(session: AsyncSession, user_id: str) -> NotificationPreference:
    """The user's row, created with the defaults when missing, locked for this transaction."""
    await session.execute(
        insert(NotificationPreference).values(user_id=user_id).on_conflict_do_nothing()
    )
    stmt = (
        select(NotificationPreference)
        .where(NotificationPreference.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one()


async def by_calendar_token(
    session: AsyncSession, token_hash: str
) -> tuple[User, NotificationPreference] | None:
    stmt = (
        select(User, NotificationPreference)
        .join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(NotificationPreference.calendar_token_hash == token_hash)
    )
    row = (await session.execute(stmt)).one_or_none()
    return (row[0], row[1]) if row is not None else None


def mails(status: MailStatus | None) -> Select[Any]:
    stmt = select(MailMessage)
    if status is not None:
        stmt = stmt.where(MailMessage.status == status.value)
    return stmt.order_by(MailMessage.created_at.desc(), MailMessage.id.desc())


async def get_mail_for_update(session: AsyncSession, mail_id: uuid.UUID) -> MailMessage | None:
    stmt = select(MailMessage).where(MailMessage.id == mail_id).with_for_update()
    return (await session.execute(stmt)).scalars().first()


# ------------------------------------------------------------------------------------------
# Reminders


@dataclass(frozen=True, slots=True)
class DueReminder:
    reservation_id: uuid.UUID
    kind: str
    minutes: int


# A reminder is due N minutes (the owner's setting) before the start or the end, until that
# moment has passed; one booked inside that window gets none (its confirmation says it all).
_DUE_REMINDERS = text(
    """
SELECT r.id, k.kind, k.minutes
FROM reservations r
JOIN users u ON u.id = r.owner_id
LEFT JOIN notification_preferences p ON p.user_id = r.owner_id
CROSS JOIN LATERAL (VALUES
    ('reminder_start', lower(r.period), COALESCE(p.reminder_start_minutes, :start_default)),
    ('reminder_end', upper(r.period), COALESCE(p.reminder_end_minutes, :end_default))
) AS k(kind, at, minutes)
WHERE r.status IN ('confirmed', 'active')
  AND k.at > :now
  AND k.at - make_interval(mins => k.minutes) <= :now
  AND k.at - make_interval(mins => k.minutes) > r.created_at
  AND COALESCE(u.email, '') <> ''
  AND COALESCE((p.kinds ->> k.kind)::boolean, true)
  AND NOT EXISTS (
      SELECT 1 FROM mail_reminders m WHERE m.reservation_id = r.id AND m.kind = k.kind
  )
ORDER BY k.at
LIMIT :limit
"""
).bindparams(bindparam("start_default", type_=Integer), bindparam("end_default", type_=Integer))


async def due_reminders(
    session: AsyncSession, now: datetime, *, start_default: int, end_default: int, limit: int
) -> list[DueReminder]:
    rows = await session.execute(
        _DUE_REMINDERS,
        {"now": now, "start_default": start_default, "end_default": end_default, "limit": limit},
    )
    return [DueReminder(rid, kind, minutes) for rid, kind, minutes in rows]


async def record_reminders(
    session: AsyncSession, due: Sequence[DueReminder]
) -> set[tuple[uuid.UUID, str]]:
    """Write the ledger rows; returns those this transaction wrote (another replica, or an
    earlier run, holds the rest: their reminder is theirs or already sent)."""
    if not due:
        return set()
    rows = select(
        func.unnest(bindparam("ids", [d.reservation_id for d in due], ARRAY(UUID(as_uuid=True)))),
        func.unnest(bindparam("kinds", [d.kind for d in due], ARRAY(String()))),
    )
    stmt = (
        insert(MailReminder)
        .from_select(["reservation_id", "kind"], rows)
        .on_conflict_do_nothing()
        .returning(MailReminder.reservation_id, MailReminder.kind)
    )
    return {(rid, kind) for rid, kind in await session.execute(stmt)}
