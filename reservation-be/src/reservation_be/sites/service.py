from __future__ import annotations

from typing import Any

from reservation_db.models import Site, SiteRole, SiteVisibility
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit import audit
from reservation_be.kit.errors import Conflict
from reservation_be.kit.etag import check_if_match
from reservation_be.kit.pagination import PaginationParams, paginate_rows
from reservation_be.policy import Action, SiteContext
from reservation_be.sites import repository
from reservation_be.sites.schemas import SiteCreate, SiteOut, SiteUpdate


def to_out(site: Site, role: SiteRole | str | None) -> SiteOut:
    out = SiteOut.model_validate(site)
    return out.model_copy(update={"my_role": SiteRole(role) if role else None})


def _snapshot(site: Site) -> dict[str, Any]:
    return {
        "slug": site.slug,
        "name": site.name,
        "description": site.description,
        "visibility": site.visibility,
        "time_zone": site.time_zone,
    }


async def list_sites(
    session: AsyncSession,
    actor: Actor,
    params: PaginationParams,
    *,
    visibility: SiteVisibility | None = None,
    q: str | None = None,
) -> tuple[list[SiteOut], int]:
    policy.require_user(actor)
    stmt = repository.visible_sites(actor, visibility=visibility, q=q)
    rows, total = await paginate_rows(session, stmt, params)
    return [to_out(site, role) for site, role in rows], total


async def create_site(session: AsyncSession, actor: Actor, data: SiteCreate) -> SiteOut:
    policy.require_platform_admin(actor)
    if await repository.slug_taken(session, data.slug):
        raise Conflict(f"A site with slug {data.slug!r} already exists.")
    site = Site(
        slug=data.slug,
        name=data.name,
        description=data.description,
        visibility=data.visibility.value,
        time_zone=data.time_zone,
    )
    session.add(site)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create took the slug first
        raise Conflict(f"A site with slug {data.slug!r} already exists.") from exc
    await audit.record(session, actor, site.id, "site", site.id, "create", None, _snapshot(site))
    return to_out(site, None)


async def get_site(session: AsyncSession, actor: Actor, site_ref: str) -> SiteOut:
    ctx = await policy.authorize(session, actor, site_ref, Action.SITE_READ)
    return to_out(ctx.site, ctx.role)


async def update_site(
    session: AsyncSession,
    actor: Actor,
    site_ref: str,
    data: SiteUpdate,
    *,
    if_match: str | None,
) -> SiteOut:
    ctx: SiteContext = await policy.authorize(session, actor, site_ref, Action.SITE_UPDATE)
    site = ctx.site
    check_if_match(if_match, site.version)
    before = _snapshot(site)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    new_slug = changes.get("slug", site.slug)
    if new_slug != site.slug:
        # Checked before the slug is looked up: a site admin gets the same 403 whether the slug
        # is free, taken by a site they see, or taken by a private site they do not.
        policy.check(ctx, Action.SITE_CHANGE_SLUG)
        if await repository.slug_taken(session, new_slug):
            raise Conflict(f"A site with slug {new_slug!r} already exists.")
    for field, value in changes.items():
        setattr(site, field, value.value if isinstance(value, SiteVisibility) else value)
    after = _snapshot(site)
    if after != before:
        site.version = site.version + 1
        try:
            await session.flush()
        except IntegrityError as exc:
            raise Conflict("The slug is already taken.") from exc
        await audit.record(session, actor, site.id, "site", site.id, "update", before, after)
    return to_out(site, ctx.role)


async def delete_site(
    session: AsyncSession, actor: Actor, site_ref: str, *, if_match: str | None
) -> None:
    ctx = await policy.authorize(session, actor, site_ref, Action.SITE_DELETE)
    site = ctx.site
    check_if_match(if_match, site.version, required=False)
    before = _snapshot(site)
    try:
        async with session.begin_nested():
            await repository.delete_site(session, site)
    except IntegrityError as exc:
        raise Conflict(
            "The site still has resources or reservations; remove them before the site."
        ) from exc
    await audit.record(session, actor, site.id, "site", site.id, "delete", before, None)
