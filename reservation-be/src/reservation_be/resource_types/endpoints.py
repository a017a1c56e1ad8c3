from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.kit.params import SiteRef
from reservation_be.kit.types import Text
from reservation_be.resource_types import service
from reservation_be.resource_types.schemas import (
    ResourceTypeCreate,
    ResourceTypeRead,
    ResourceTypeUpdate,
)

router = APIRouter(tags=["resource types"])


@router.get(
    "/sites/{site}/resource-types",
    response_model=Page[ResourceTypeRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_resource_types(
    site: SiteRef,
    session: SessionDep,
    actor: ActorDep,
    pagination: PaginationDep,
    q: Annotated[Text | None, Query(max_length=100, description="Name contains")] = None,
) -> Page[ResourceTypeRead]:
    items, total = await service.list_types(session, actor, site, q=q, pagination=pagination)
    return Page[ResourceTypeRead].build(
        [ResourceTypeRead.model_validate(t) for t in items], total, pagination
    )


@router.post(
    "/sites/{site}/resource-types",
    response_model=ResourceTypeRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_resource_type(
    site: SiteRef,
    body: ResourceTypeCreate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
) -> ResourceTypeRead:
    rtype = await service.create(session, actor, site, body)
    response.headers["Location"] = f"/api/v1/resource-types/{rtype.id}"
    return ResourceTypeRead.model_validate(rtype)


@router.get(
    "/resource-types/{type_id}",
    response_model=ResourceTypeRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_resource_type(
    type_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> ResourceTypeRead:
    return ResourceTypeRead.model_validate(await service.get(session, actor, type_id))


@router.patch(
    "/resource-types/{type_id}",
    response_model=ResourceTypeRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_resource_type(
    type_id: uuid.UUID, body: ResourceTypeUpdate, session: SessionDep, actor: ActorDep
) -> ResourceTypeRead:
    return ResourceTypeRead.model_validate(await service.update(session, actor, type_id, body))


@router.delete(
    "/resource-types/{type_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def delete_resource_type(type_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    await service.delete(session, actor, type_id)
