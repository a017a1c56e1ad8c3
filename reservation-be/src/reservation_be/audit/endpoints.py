from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from reservation_be.audit import service
from reservation_be.audit.schemas import AuditEntryOut
from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.kit.types import Text, Timestamp

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
    site: Annotated[Text | None, Query(max_length=63, description="Site id or slug")] = None,
    entity: Annotated[Text | None, Query(max_length=64)] = None,
    entity_id: Annotated[Text | None, Query(max_length=255)] = None,
    actor_id: Annotated[Text | None, Query(alias="actor", max_length=255)] = None,
    since: Annotated[Timestamp | None, Query(description="From (inclusive)")] = None,
    until: Annotated[Timestamp | None, Query(description="Until (exclusive)")] = None,
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
