"""Authorisation: the one place that answers "may this actor do this on this site?".

Roles come from two places: the realm role ``platform-admin`` in the token (may do everything)
and ``site_members`` (``site-admin`` or ``member`` of one site). Rules, per :class:`Action`:

* ``VISIBLE``: anyone who can see the site: everybody for a public site, members for a private
  one. A private site is invisible to non-members: 404, never 403, so its existence never leaks.
* ``MEMBER``: a member or site-admin of the site.
* ``OWNER_OR_SITE_ADMIN``: the owner of the object (a reservation), or a site-admin; for the
  actions in :data:`CO_MANAGER_ACTIONS` also a co-manager of the reservation (``co_manager``).
* ``OWNER``: the owner alone, a member of the site; nobody acts for them, platform admins
  included (checking in says the owner is there).
* ``SITE_ADMIN``: a site-admin of the site.
* ``PLATFORM_ADMIN``: only platform admins.

Platform admins pass every rule. Service accounts (client-credentials tokens) pass none: the
endpoints that serve them (provisioning callbacks) check their binding explicitly through
:func:`require_service_account`. Nobody raises their own site role (:func:`check_role_change`).

Endpoints call :func:`authorize` (or :func:`site_context` then :func:`check`) first thing, and
:func:`authorize_object` for an object of a site (its own 404 for whoever may not see it); list
endpoints filter with :func:`visible_sites_filter`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum, StrEnum
from typing import Protocol

from reservation_db.models import Site, SiteRole, SiteVisibility
from sqlalchemy import ColumnElement, Select, true
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.auth.actor import Actor
from reservation_be.kit.errors import Forbidden, NotFound, ReservationError
from reservation_be.members import access


class Rule(Enum):
    VISIBLE = "visible"
    MEMBER = "member"
    OWNER_OR_SITE_ADMIN = "owner-or-site-admin"
    OWNER = "owner"
    SITE_ADMIN = "site-admin"
    PLATFORM_ADMIN = "platform-admin"


class Action(StrEnum):
    SITE_READ = "site:read"
    SITE_UPDATE = "site:update"
    # Slugs are unique across every site, private ones too: whoever may pick one learns which
    # are taken, so only those who see every site (as when creating one) may.
    SITE_CHANGE_SLUG = "site:change-slug"
    SITE_DELETE = "site:delete"
    MEMBER_READ = "member:read"
    MEMBER_MANAGE = "member:manage"
    RESOURCE_TYPE_READ = "resource-type:read"
    RESOURCE_TYPE_WRITE = "resource-type:write"
    RESOURCE_READ = "resource:read"
    RESOURCE_WRITE = "resource:write"
    # Free/busy of a site's resources, without who booked them or why.
    AVAILABILITY_READ = "availability:read"
    RESERVATION_READ = "reservation:read"
    RESERVATION_CREATE = "reservation:create"
    RESERVATION_CREATE_ON_BEHALF = "reservation:create-on-behalf"
    RESERVATION_MODIFY = "reservation:modify"
    RESERVATION_CANCEL = "reservation:cancel"
    RESERVATION_DECIDE = "reservation:decide"
    RESERVATION_CHECK_IN = "reservation:check-in"
    # Add or remove co-users (attendees, co-managers) of a reservation.
    RESERVATION_SHARE = "reservation:share"
    QUOTA_READ = "quota:read"
    QUOTA_WRITE = "quota:write"
    USAGE_REPORT = "usage:report"
    # Named sets of a site's members that quotas bind.
    MEMBER_GROUP_READ = "member-group:read"
    MEMBER_GROUP_WRITE = "member-group:write"
    # Maintenance windows: shown with the availability, set by site admins.
    BLACKOUT_READ = "blackout:read"
    BLACKOUT_WRITE = "blackout:write"
    # Opening hours: read with the availability, set by site admins.
    OPENING_HOURS_WRITE = "opening-hours:write"
    AUDIT_READ = "audit:read"
    WEBHOOK_READ = "webhook:read"
    WEBHOOK_WRITE = "webhook:write"


RULES: dict[Action, Rule] = {
    Action.SITE_READ: Rule.VISIBLE,
    Action.SITE_UPDATE: Rule.SITE_ADMIN,
    Action.SITE_CHANGE_SLUG: Rule.PLATFORM_ADMIN,
    Action.SITE_DELETE: Rule.PLATFORM_ADMIN,
    Action.MEMBER_READ: Rule.MEMBER,
    Action.MEMBER_MANAGE: Rule.SITE_ADMIN,
    Action.RESOURCE_TYPE_READ: Rule.VISIBLE,
    Action.RESOURCE_TYPE_WRITE: Rule.SITE_ADMIN,
    Action.RESOURCE_READ: Rule.VISIBLE,
    Action.RESOURCE_WRITE: Rule.SITE_ADMIN,
    Action.AVAILABILITY_READ: Rule.VISIBLE,
    Action.RESERVATION_READ: Rule.MEMBER,
    Action.RESERVATION_CREATE: Rule.MEMBER,
    Action.RESERVATION_CREATE_ON_BEHALF: Rule.SITE_ADMIN,
    Action.RESERVATION_MODIFY: Rule.OWNER_OR_SITE_ADMIN,
    Action.RESERVATION_CANCEL: Rule.OWNER_OR_SITE_ADMIN,
    Action.RESERVATION_DECIDE: Rule.SITE_ADMIN,
    Action.RESERVATION_CHECK_IN: Rule.OWNER,
    Action.RESERVATION_SHARE: Rule.OWNER_OR_SITE_ADMIN,
    Action.QUOTA_READ: Rule.MEMBER,
    Action.QUOTA_WRITE: Rule.SITE_ADMIN,
    Action.USAGE_REPORT: Rule.SITE_ADMIN,
    Action.MEMBER_GROUP_READ: Rule.SITE_ADMIN,
    Action.MEMBER_GROUP_WRITE: Rule.SITE_ADMIN,
    Action.BLACKOUT_READ: Rule.VISIBLE,
    Action.BLACKOUT_WRITE: Rule.SITE_ADMIN,
    Action.OPENING_HOURS_WRITE: Rule.SITE_ADMIN,
    Action.AUDIT_READ: Rule.SITE_ADMIN,
    Action.WEBHOOK_READ: Rule.SITE_ADMIN,
    Action.WEBHOOK_WRITE: Rule.SITE_ADMIN,
}

# What a co-manager of a reservation may do besides its owner: change it (the service lets them
# only move its end later: extend) and cancel or release it.
CO_MANAGER_ACTIONS = frozenset({Action.RESERVATION_MODIFY, Action.RESERVATION_CANCEL})

_ROLE_RANK = {None: 0, SiteRole.MEMBER: 1, SiteRole.SITE_ADMIN: 2}


@dataclass(frozen=True, slots=True)
class SiteContext:
    """An actor's standing on one site, loaded once per request."""

    actor: Actor
    site: Site
    role: SiteRole | None

    @property
    def site_id(self) -> uuid.UUID:
        return self.site.id

    @property
    def is_platform_admin(self) -> bool:
        return self.actor.is_platform_admin

    @property
    def is_site_admin(self) -> bool:
        return self.actor.is_platform_admin or self.role is SiteRole.SITE_ADMIN

    @property
    def is_member(self) -> bool:
        return self.actor.is_platform_admin or self.role is not None

    @property
    def can_see(self) -> bool:
        return self.is_member or self.site.visibility == SiteVisibility.PUBLIC


def allows(
    ctx: SiteContext, action: Action, *, owner_id: str | None = None, co_manager: bool = False
) -> bool:
    """Whether ``ctx.actor`` may perform ``action``; ``owner_id`` for owner-based rules,
    ``co_manager`` when the actor is a co-manager of the reservation acted on."""
    if ctx.actor.is_service_account:
        return False
    rule = RULES[action]
    if rule is Rule.OWNER:
        return ctx.is_member and owner_id is not None and owner_id == ctx.actor.user_id
    if ctx.actor.is_platform_admin:
        return True
    if rule is Rule.VISIBLE:
        return ctx.can_see
    if rule is Rule.MEMBER:
        return ctx.is_member
    if rule is Rule.OWNER_OR_SITE_ADMIN:
        if ctx.is_member and co_manager and action in CO_MANAGER_ACTIONS:
            return True
        return ctx.is_site_admin or (
            ctx.is_member and owner_id is not None and owner_id == ctx.actor.user_id
        )
    if rule is Rule.SITE_ADMIN:
        return ctx.is_site_admin
    return False


def check(
    ctx: SiteContext, action: Action, *, owner_id: str | None = None, co_manager: bool = False
) -> None:
    """Raise 404 when the site is invisible to the actor, 403 when the action is not allowed."""
    require_user(ctx.actor)
    if not ctx.can_see:
        raise NotFound("Site not found.")
    if not allows(ctx, action, owner_id=owner_id, co_manager=co_manager):
        raise Forbidden(_forbidden_message(action))


def _forbidden_message(action: Action) -> str:
    rule = RULES[action]
    who = {
        Rule.VISIBLE: "users who can see this site",
        Rule.MEMBER: "members of this site",
        Rule.OWNER_OR_SITE_ADMIN: "its owner or a site-admin",
        Rule.OWNER: "its owner",
        Rule.SITE_ADMIN: "site-admins of this site",
        Rule.PLATFORM_ADMIN: "platform admins",
    }[rule]
    return f"Only {who} may do this ({action.value})."


def require_user(actor: Actor) -> None:
    """Service accounts may not call endpoints meant for people."""
    if actor.is_service_account:
        raise Forbidden("Service accounts cannot call this endpoint.")


def require_platform_admin(actor: Actor) -> None:
    require_user(actor)
    if not actor.is_platform_admin:
        raise Forbidden("Only platform admins may do this.")


def require_service_account(actor: Actor, *, client_ids: set[str] | None = None) -> str:
    """For integration callbacks: a client-credentials token, optionally of given clients."""
    if not actor.is_service_account or actor.client_id is None:
        raise Forbidden("Only an integration's service account may call this endpoint.")
    if client_ids is not None and actor.client_id not in client_ids:
        raise Forbidden("This client is not bound to the subscription that received the event.")
    return actor.client_id


async def role_of(session: AsyncSession, site_id: uuid.UUID, user_id: str) -> SiteRole | None:
    role = await access.role_of(session, site_id, user_id)
    return SiteRole(role) if role is not None else None


async def site_context(
    session: AsyncSession, actor: Actor, site_ref: uuid.UUID | str
) -> SiteContext:
    """Load the site (by id or slug) and the actor's role; 404 when missing or invisible."""
    require_user(actor)
    row = await access.site_with_role(session, site_ref, actor.user_id)
    if row is None:
        raise NotFound("Site not found.")
    site, role = row
    ctx = SiteContext(actor=actor, site=site, role=SiteRole(role) if role else None)
    if not ctx.can_see:
        raise NotFound("Site not found.")
    return ctx


async def authorize(
    session: AsyncSession,
    actor: Actor,
    site_ref: uuid.UUID | str,
    action: Action,
    *,
    owner_id: str | None = None,
) -> SiteContext:
    """Load the actor's standing on the site and check ``action``; returns the context."""
    ctx = await site_context(session, actor, site_ref)
    check(ctx, action, owner_id=owner_id)
    return ctx


async def authorize_object(
    session: AsyncSession,
    actor: Actor,
    site_id: uuid.UUID,
    action: Action,
    *,
    not_found: ReservationError,
    owner_id: str | None = None,
    readers: Action | None = None,
) -> SiteContext:
    """Check ``action`` on an object of a site (a quota, a series, a waitlist entry...).

    ``not_found`` (the object's own 404, or a 422 for an id named in a body) when the site is
    invisible to the actor or, with ``readers``, when the actor is neither allowed ``readers``
    nor the owner: an object's existence never leaks. 403 for one who may see it but not do
    ``action``.
    """
    try:
        ctx = await site_context(session, actor, site_id)
    except NotFound as exc:
        raise not_found from exc
    if readers is not None and not (
        allows(ctx, readers) or (owner_id is not None and actor.user_id == owner_id)
    ):
        raise not_found
    check(ctx, action, owner_id=owner_id)
    return ctx


class Owned(Protocol):
    """A booking-like object of a site with an owner (a reservation group, a series)."""

    @property
    def site_id(self) -> uuid.UUID: ...

    @property
    def owner_id(self) -> str: ...


async def authorize_owned(
    session: AsyncSession, actor: Actor, obj: Owned, action: Action, *, not_found: ReservationError
) -> SiteContext:
    """:func:`authorize_object` for an owned object: its owner and whoever may read the site's
    reservations see it; the rest get ``not_found``."""
    return await authorize_object(
        session,
        actor,
        obj.site_id,
        action,
        not_found=not_found,
        owner_id=obj.owner_id,
        readers=Action.RESERVATION_READ,
    )


def visible_sites_filter(actor: Actor) -> ColumnElement[bool]:
    """SQL condition on ``Site`` selecting the sites the actor can see."""
    return true() if actor.is_platform_admin else access.visible_to(actor.user_id)


def member_site_ids(actor: Actor) -> Select[uuid.UUID]:
    """Sites where the actor is a member or site-admin (a subquery for ``IN``)."""
    return access.member_site_ids(actor.user_id)


def administered_site_ids(actor: Actor) -> Select[uuid.UUID]:
    """Sites where the actor is a site-admin (a subquery for ``IN``)."""
    return access.administered_site_ids(actor.user_id)


def check_role_change(
    ctx: SiteContext, *, target_user_id: str, current: SiteRole | None, new: SiteRole | None
) -> None:
    """Who may set ``target``'s role from ``current`` to ``new`` (None = not a member).

    Site-admins manage their site's members; nobody raises their own role (a platform admin
    already holds every right, so the rule cannot bind them).
    """
    check(ctx, Action.MEMBER_MANAGE)
    if ctx.actor.is_platform_admin:
        return
    if target_user_id == ctx.actor.user_id and _ROLE_RANK[new] > _ROLE_RANK[current]:
        raise Forbidden("Nobody can raise their own role.")


# ---------------------------------------------------------------------------------------------
# Integration callbacks (provisioning reports)


def is_provisioning_reporter(actor: Actor, bound_client_ids: set[str]) -> bool:
    """Who may read and report a reservation's provisioning: only the service account of a
    Keycloak client that is the ``integration_client_id`` of a subscription which received (has
    a delivery of) an event of that reservation. People, and every other client, may not; the
    caller answers another client as it answers an unknown reservation (no existence leak)."""
    return actor.is_service_account and actor.client_id in bound_client_ids
