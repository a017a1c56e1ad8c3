"""The feeds authenticate with their token, not with the caller's bearer token: the rows say
what the token's owner may see (a member's token sees site A; an outsider's does not; nobody's
sees a site where they are no member), whoever calls."""

from __future__ import annotations

import secrets

from reservation_be.calendar_feeds.service import token_hash
from reservation_db.models import NotificationPreference
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import ensure_user
from tests.matrix import Case, World, any_user
from tests.reservations.factories import make_resource, make_type

ROLES = ("anonymous", "outsider", "member", "site_admin", "platform_admin", "service")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


async def _feeds(world: World, session: AsyncSession) -> dict[str, str]:
    """A feed token for every person of the world, and a resource of site A."""
    values: dict[str, str] = {}
    await ensure_user(session, world.ids["admin"], "admin", commit=False)
    for name in ("alice", "bob", "carol", "admin"):
        token = secrets.token_urlsafe(32)
        session.add(
            NotificationPreference(user_id=world.ids[name], calendar_token_hash=token_hash(token))
        )
        values[f"{name}_token"] = token
    rtype = await make_type(session, world.site_a)
    resource = await make_resource(session, world.site_a, rtype)
    await session.commit()
    values["resource"] = str(resource.id)
    return values


FEED = "/api/v1/calendar/{bob_token}"
CASES = [
    Case("calendar-feed-rotate", "POST", "/api/v1/users/me/calendar-feed", any_user(201)),
    Case(
        "calendar-feed-revoke",
        "DELETE",
        "/api/v1/users/me/calendar-feed",
        any_user(204),
        prepare=_feeds,
    ),
    Case(
        "calendar-feed-revoke-without-feed",
        "DELETE",
        "/api/v1/users/me/calendar-feed",
        any_user(404),
    ),
    Case("calendar-own-feed", "GET", FEED + ".ics", everyone(200), prepare=_feeds),
    Case(
        "calendar-own-feed-unknown-token",
        "GET",
        "/api/v1/calendar/" + "x" * 43 + ".ics",
        everyone(404),
    ),
    Case(
        "calendar-site-feed-member",
        "GET",
        FEED + "/sites/{site}.ics",
        everyone(200),
        prepare=_feeds,
    ),
    Case(
        "calendar-site-feed-outsider-private-site",
        "GET",
        "/api/v1/calendar/{carol_token}/sites/{site}.ics",
        everyone(404),
        prepare=_feeds,
    ),
    Case(
        "calendar-site-feed-not-a-member-of-a-public-site",
        "GET",
        FEED + "/sites/{site_b}.ics",
        everyone(403),
        prepare=_feeds,
    ),
    Case(
        "calendar-site-feed-platform-admin-token-without-membership",
        "GET",
        "/api/v1/calendar/{admin_token}/sites/{site}.ics",
        everyone(404),
        prepare=_feeds,
    ),
    Case(
        "calendar-resource-feed-member",
        "GET",
        FEED + "/resources/{resource}.ics",
        everyone(200),
        prepare=_feeds,
    ),
    Case(
        "calendar-resource-feed-outsider",
        "GET",
        "/api/v1/calendar/{carol_token}/resources/{resource}.ics",
        everyone(404),
        prepare=_feeds,
    ),
]
