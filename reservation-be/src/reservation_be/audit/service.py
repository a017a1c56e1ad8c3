from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.audit import repository
from reservation_be.audit.schemas import AuditEntryOut
from reservation_be.auth.actor import Actor
from reservation_be.kit.errors import UnprocessableEntity
from reservation_be.kit.pagination import PaginationParams, paginate
from reservation_be.policy import Action


async def list_entries(
    session: AsyncSession,
    actor: Actor,
    params: PaginationParams,
    *,
    site: str | None,
    entity: str | None,
    entity_id: str | None,
    actor_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> tuple[list[AuditEntryOut], int]:
    """Site-admins read their sites' entries, platform admins everything."""
    policy.require_user(actor)
    site_id = None
    if site is not None:
        ctx = await policy.authorize(session, actor, site, Action.AUDIT_READ)
        site_id = ctx.site.id
    if since is not None and until is not None and since >= until:
        raise UnprocessableEntity("'since' must be before 'until'.")
    stmt = repository.entries(
        actor,
        site_id=site_id,
        entity=entity,
        entity_id=entity_id,
        actor_id=actor_id,
        since=since,
        until=until,
    )
    rows, total = await paginate(session, stmt, params)
    return [AuditEntryOut.model_validate(r) for r in rows], total
