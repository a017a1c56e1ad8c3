from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import Case, World, site_admins
from tests.webhooks.factories import delivery, subscription

HOOK = "/api/v1/sites/{site}/webhooks/{webhook}"


async def _hook(world: World, session: AsyncSession) -> dict[str, str]:
    sub = await subscription(session, world.site_a.id)
    failed = await delivery(session, sub, attempts=2)
    return {"webhook": str(sub.id), "delivery": str(failed.id)}


CASES = [
    Case("webhooks-list", "GET", "/api/v1/sites/{site}/webhooks", site_admins(200)),
    Case(
        "webhooks-create",
        "POST",
        "/api/v1/sites/{site}/webhooks",
        site_admins(201),
        body={"name": "hook", "url": "https://receiver.example.test/x"},
    ),
    Case("webhook-get", "GET", HOOK, site_admins(200), prepare=_hook),
    Case(
        "webhook-update",
        "PATCH",
        HOOK,
        site_admins(200),
        body={"name": "renamed"},
        headers={"If-Match": '"1"'},
        prepare=_hook,
    ),
    Case("webhook-delete", "DELETE", HOOK, site_admins(204), prepare=_hook),
    Case("webhook-rotate", "POST", HOOK + "/rotate-secret", site_admins(200), prepare=_hook),
    Case("webhook-test", "POST", HOOK + "/test", site_admins(202), prepare=_hook),
    Case("webhook-deliveries", "GET", HOOK + "/deliveries", site_admins(200), prepare=_hook),
    Case(
        "webhook-attempts",
        "GET",
        HOOK + "/deliveries/{delivery}/attempts",
        site_admins(200),
        prepare=_hook,
    ),
    Case(
        "webhook-redeliver",
        "POST",
        HOOK + "/deliveries/{delivery}/redeliver",
        site_admins(202),
        prepare=_hook,
    ),
    Case(
        "webhook-redeliver-failed",
        "POST",
        HOOK + "/deliveries/redeliver-failed",
        site_admins(202),
        body={"since": "2020-01-01T00:00:00Z"},
        prepare=_hook,
    ),
]
