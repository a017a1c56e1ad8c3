"""Queueing mails in the caller's transaction (the one that writes their notifications)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String

from reservation_be.mail.kinds import MailKind

NOTIFY_CHANNEL = "mail_queue"

# Whether the user of ``p`` (notification_preferences, left-joined) wants mails of a kind is
# ``COALESCE((p.kinds ->> kind)::boolean, true)``: every kind is on by default (kinds.DEFAULTS),
# the row holds the user's overrides. The same expression is in reservations/booking.py and
# repository.py (reminders).


@dataclass(frozen=True, slots=True)
class Recipient:
    user_id: str
    kind: MailKind
    notification_id: uuid.UUID | None = None


# One row per recipient with an address who wants the kind; one wake-up for the senders, when
# any is queued.
_ENQUEUE = text(
    """
WITH wanted AS (
    SELECT * FROM unnest(CAST(:user_ids AS varchar[]), CAST(:kinds AS varchar[]),
                         CAST(:notification_ids AS uuid[])) AS w(user_id, kind, notification_id)
),
queued AS (
    INSERT INTO mail_queue (user_id, notification_id, kind, to_address, context)
    SELECT w.user_id, w.notification_id, w.kind, u.email, CAST(:context AS jsonb)
    FROM wanted w
    JOIN users u ON u.id = w.user_id
    LEFT JOIN notification_preferences p ON p.user_id = w.user_id
    WHERE COALESCE(u.email, '') <> '' AND COALESCE((p.kinds ->> w.kind)::boolean, true)
    RETURNING id
)
SELECT count(*) AS queued, (SELECT pg_notify('mail_queue', '') FROM queued LIMIT 1) FROM queued
"""
).bindparams(
    bindparam("user_ids", type_=ARRAY(String())),
    bindparam("kinds", type_=ARRAY(String())),
    bindparam("notification_ids", type_=ARRAY(UUID(as_uuid=True))),
)


async def enqueue(
    session: AsyncSession, recipients: Sequence[Recipient], context: dict[str, Any]
) -> int:
    """Queue one mail per recipient who wants it; returns how many were queued."""
    if not recipients:
        return 0
    params = {
        "user_ids": [r.user_id for r in recipients],
        "kinds": [r.kind.value for r in recipients],
        "notification_ids": [r.notification_id for r in recipients],
        "context": json.dumps(context),
    }
    return int((await session.execute(_ENQUEUE, params)).scalar_one())
