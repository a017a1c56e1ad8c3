from __future__ import annotations

from reservation_be.mail.unsubscribe import make_token
from reservation_be.settings import DEV_WEBHOOK_SECRETS_KEY
from reservation_db.models import MailMessage, MailStatus
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import Case, World, any_user, expect, platform_admins

PREFERENCES = "/api/v1/users/me/notification-preferences"
EVERYONE = {
    "anonymous": 200,
    "outsider": 200,
    "member": 200,
    "site_admin": 200,
    "platform_admin": 200,
    "service": 200,
}


async def _unsubscribe_token(world: World, session: AsyncSession) -> dict[str, str]:
    return {"token": make_token(DEV_WEBHOOK_SECRETS_KEY, world.ids["bob"], "reminder_start")}


async def _failed_mail(world: World, session: AsyncSession) -> dict[str, str]:
    mail = MailMessage(
        user_id=world.ids["bob"],
        kind="booking_confirmed",
        to_address="bob@example.com",
        status=MailStatus.FAILED.value,
        attempts=8,
        last_error="550 mailbox unavailable",
    )
    session.add(mail)
    await session.commit()
    return {"mail": str(mail.id)}


CASES = [
    Case("mail-preferences-read", "GET", PREFERENCES, any_user(200)),
    Case(
        "mail-preferences-update",
        "PATCH",
        PREFERENCES,
        any_user(200),
        body={"reminder_start_minutes": 20, "kinds": {"booking_changed": False}},
        returns={"reminder_start_minutes": 20},
    ),
    Case(
        "mail-unsubscribe-one-click",
        "POST",
        "/api/v1/mail/unsubscribe/{token}",
        EVERYONE,
        prepare=_unsubscribe_token,
        returns={"kind": "reminder_start", "enabled": False},
    ),
    Case(
        "mail-unsubscribe-page",
        "GET",
        "/api/v1/mail/unsubscribe/{token}",
        EVERYONE,
        prepare=_unsubscribe_token,
    ),
    Case(
        "mail-unsubscribe-forged",
        "POST",
        "/api/v1/mail/unsubscribe/Ym9iCnJlbWluZGVyX3N0YXJ0.AAAA",
        {role: 404 for role in EVERYONE},
    ),
    Case("admin-mails-list", "GET", "/api/v1/admin/mails?status=failed", platform_admins(200)),
    Case(
        "admin-mail-retry",
        "POST",
        "/api/v1/admin/mails/{mail}/retry",
        platform_admins(200),
        prepare=_failed_mail,
        returns={"status": "pending", "attempts": 0},
    ),
    Case(
        "admin-mail-retry-unknown",
        "POST",
        "/api/v1/admin/mails/00000000-0000-0000-0000-000000000000/retry",
        expect(outsider=403, member=403, site_admin=403, platform_admin=404),
    ),
]
