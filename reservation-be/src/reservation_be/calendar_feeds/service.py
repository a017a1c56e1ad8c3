"""The calendar feed token (one per user, stored as a SHA-256 hash, shown once) and the feeds.

A feed authenticates with its token only, so it acts as its user without the user's realm
roles: a platform admin's feed shows what their site memberships show.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from reservation_db.models import NotificationPreference, User
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.calendar_feeds import repository
from reservation_be.calendar_feeds.repository import FeedRow
from reservation_be.kit.errors import NotFound
from reservation_be.mail import ics
from reservation_be.mail import repository as mail_repository
from reservation_be.mail.render import zone
from reservation_be.policy import Action
from reservation_be.resources import repository as resources_repository

PAST = timedelta(days=90)
FUTURE = timedelta(days=400)


class CalendarFeedNotFound(NotFound):
    slug, title = "calendar-feed-not-found", "Calendar feed not found"


@dataclass(frozen=True, slots=True)
class Feed:
    body: bytes
    etag: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def rotate_token(session: AsyncSession, actor: Actor) -> tuple[str, datetime]:
    """A new secret (the old URL stops working at once); returned once, stored as a hash."""
    policy.require_user(actor)
    prefs = await mail_repository.preferences_for_update(session, actor.user_id)
    token = secrets.token_urlsafe(32)
    prefs.calendar_token_hash = token_hash(token)
    prefs.calendar_token_created_at = func.now()
    await session.flush()
    await session.refresh(prefs)
    assert prefs.calendar_token_created_at is not None
    return token, prefs.calendar_token_created_at


async def revoke_token(session: AsyncSession, actor: Actor) -> None:
    policy.require_user(actor)
    prefs = await mail_repository.preferences_for_update(session, actor.user_id)
    if prefs.calendar_token_hash is None:
        raise CalendarFeedNotFound("You have no calendar feed.")
    prefs.calendar_token_hash = None
    prefs.calendar_token_created_at = None
    await session.flush()


async def _subscriber(session: AsyncSession, token: str) -> tuple[User, NotificationPreference]:
    found = await mail_repository.by_calendar_token(session, token_hash(token))
    if found is None:
        # One answer for a wrong, revoked or rotated token: nothing to tell them apart.
        raise CalendarFeedNotFound("No calendar feed at this address (revoked or rotated?).")
    return found


def _window() -> Range[datetime]:
    now = datetime.now(UTC)
    return Range(now - PAST, now + FUTURE, bounds="[)")


def _render(rows: list[FeedRow], *, user: User, name: str, with_owner: bool, domain: str) -> Feed:
    events = []
    for reservation, resource_name, owner in rows:
        start, end = reservation.period.lower, reservation.period.upper
        assert start is not None and end is not None
        events.append(
            ics.FeedEvent(
                reservation_id=str(reservation.id),
                title=f"{reservation.title} ({owner})" if with_owner else reservation.title,
                description=reservation.description,
                status=reservation.status,
                start=start,
                end=end,
                version=reservation.version,
                location=resource_name,
                updated_at=reservation.updated_at,
            )
        )
    body = ics.feed(events, name=name, tz=zone(user.timezone), domain=domain)
    return Feed(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"')


async def own_feed(session: AsyncSession, token: str, *, domain: str) -> Feed:
    user, _ = await _subscriber(session, token)
    rows = await repository.of_owner(session, user.id, _window())
    return _render(rows, user=user, name="My reservations", with_owner=False, domain=domain)


def _as_actor(user: User) -> Actor:
    # Memberships only: a feed carries no realm role (see the module's docstring).
    return Actor(user_id=user.id, username=user.username, email=user.email)


async def site_feed(session: AsyncSession, token: str, site_ref: str, *, domain: str) -> Feed:
    user, _ = await _subscriber(session, token)
    ctx = await policy.authorize(session, _as_actor(user), site_ref, Action.RESERVATION_READ)
    rows = await repository.of_site(session, ctx.site_id, _window())
    return _render(rows, user=user, name=ctx.site.name, with_owner=True, domain=domain)


async def resource_feed(
    session: AsyncSession, token: str, resource_id: uuid.UUID, *, domain: str
) -> Feed:
    user, _ = await _subscriber(session, token)
    resource = await resources_repository.get(session, resource_id)
    if resource is None:
        raise NotFound("Resource not found.")
    # A private site's resource: as if it did not exist.
    await policy.authorize_object(
        session,
        _as_actor(user),
        resource.site_id,
        Action.RESERVATION_READ,
        not_found=NotFound("Resource not found."),
    )
    rows = await repository.holding_resource(session, resource.id, _window())
    return _render(rows, user=user, name=resource.name, with_owner=True, domain=domain)
