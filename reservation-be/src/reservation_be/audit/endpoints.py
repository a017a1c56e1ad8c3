from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from reservation_be.audit import service
from reservation_be.audit.schemas import AuditEntryOut
from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.kit.schemas import UTCDatetime

router = APIRouter(prefix="/audit", tags=["audit"], responses=problem_responses(401, 403))


@router.get(
    "",
    response_model=Page[AuditEntryOut],
    summary="Audit log (site-admins: their sites; platform admins: all)",
    responses=problem_responses(404, 422),
)
async def list_audit(
    session: SessionDep,
    actor: ActorDep,
    pagination: PaginationDep,
    site: Annotated[str | None, Query(max_length=63, description="Site id or slug")] = None,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    entity_id: Annotated[str | None, Query(max_length=255)] = None,
    actor_id: Annotated[str | None, Query(alias="actor", max_length=255)] = None,
    since: Annotated[UTCDatetime | None, Query(description="From (inclusive), RFC 3339")] = None,
    until: Annotated[UTCDatetime | None, Query(description="Until (exclusive), RFC 3339")] = None,
) -> Page[AuditEntryOut]:
    items, total = await service.list_entries(
        session,
        actor,
        pagination,
        site=site,
        entity=entity,
        entity_id=entity_id,
        actor_id=actor_id,
        since=since,
        until=until,
    )
    return Page[AuditEntryOut].build(items, total, pagination)
