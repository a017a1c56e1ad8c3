from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import TypeAdapter
from reservation_db.models.resource import ResourceStatus

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import (
    FieldError,
    UnprocessableEntity,
    UnsupportedMediaType,
    problem_responses,
)
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.kit.params import SiteRef
from reservation_be.kit.types import Text, check_json
from reservation_be.reservations.schemas import BookingTime
from reservation_be.resources import service
from reservation_be.resources.schemas import (
    BusyPeriod,
    FreeUnits,
    ImportResult,
    ResourceCreate,
    ResourceRead,
    ResourceSort,
    ResourceTreeNode,
    ResourceUpdate,
)

_BUSY_PERIODS = TypeAdapter(list[BusyPeriod])

router = APIRouter(tags=["resources"])

_CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "description": "Header: name,type,parent,description,location,status,attributes",
    }
}


def _attributes_filter(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UnprocessableEntity(
            "attributes must be a JSON object.",
            errors=[FieldError(loc=["query", "attributes"], msg=exc.msg, type="json")],
        ) from exc
    if not isinstance(value, dict):
        raise UnprocessableEntity(
            "attributes must be a JSON object.",
            errors=[FieldError(loc=["query", "attributes"], msg="not an object", type="json")],
        )
    try:
        return check_json(value)  # type: ignore[no-any-return]
    except ValueError as exc:
        raise UnprocessableEntity(
            f"attributes: {exc}",
            errors=[FieldError(loc=["query", "attributes"], msg=str(exc), type="json")],
        ) from exc


@router.get(
    "/sites/{site}/resources",
    response_model=Page[ResourceRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_resources(
    site: SiteRef,
    session: SessionDep,
    actor: ActorDep,
    pagination: PaginationDep,
    q: Annotated[
        Text | None, Query(max_length=200, description="In name, description or location")
    ] = None,
    type_id: uuid.UUID | None = None,
    status_: Annotated[list[ResourceStatus] | None, Query(alias="status")] = None,
    parent_id: Annotated[uuid.UUID | None, Query(description="Direct children of")] = None,
    roots_only: bool = False,
    attributes: Annotated[
        Text | None,
        Query(max_length=2000, description='JSON object the attributes contain: {"rack": "A"}'),
    ] = None,
    sort: ResourceSort = ResourceSort.NAME,
) -> Page[ResourceRead]:
    items, total = await service.search(
        session,
        actor,
        site,
        pagination=pagination,
        q=q,
        type_id=type_id,
        status=[s.value for s in status_] if status_ else None,
        parent_id=parent_id,
        roots_only=roots_only,
        attributes=_attributes_filter(attributes),
        sort=sort,
    )
    return Page[ResourceRead].build(
        [ResourceRead.model_validate(r) for r in items], total, pagination
    )


@router.post(
    "/sites/{site}/resources",
    response_model=ResourceRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_resource(
    site: SiteRef, body: ResourceCreate, session: SessionDep, actor: ActorDep, response: Response
) -> ResourceRead:
    resource = await service.create(session, actor, site, body)
    response.headers["Location"] = f"/api/v1/resources/{resource.id}"
    return ResourceRead.model_validate(resource)


@router.post(
    "/sites/{site}/resources/import",
    response_model=ImportResult,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 413, 422),
    openapi_extra=_CSV_BODY,
)
async def import_resources(
    site: SiteRef, request: Request, session: SessionDep, actor: ActorDep
) -> ImportResult:
    media = request.headers.get("content-type", "text/csv").split(";", 1)[0].strip().lower()
    if media != "text/csv":
        raise UnsupportedMediaType(f"Send the file as text/csv, not {media!r}.")
    created = await service.import_csv(session, actor, site, await request.body())
    return ImportResult(
        created=len(created), items=[ResourceRead.model_validate(r) for r in created]
    )


@router.get(
    "/sites/{site}/resources/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **problem_responses(401, 403, 404),
    },
)
async def export_resources(site: SiteRef, session: SessionDep, actor: ActorDep) -> Response:
    body = await service.export_csv(session, actor, site)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="resources.csv"'},
    )


@router.get(
    "/resources/{resource_id}",
    response_model=ResourceRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_resource(
    resource_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> ResourceRead:
    return ResourceRead.model_validate(await service.get(session, actor, resource_id))


@router.patch(
    "/resources/{resource_id}",
    response_model=ResourceRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def update_resource(
    resource_id: uuid.UUID, body: ResourceUpdate, session: SessionDep, actor: ActorDep
) -> ResourceRead:
    return ResourceRead.model_validate(await service.update(session, actor, resource_id, body))


@router.delete(
    "/resources/{resource_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def delete_resource(resource_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    await service.delete(session, actor, resource_id)


@router.get(
    "/resources/{resource_id}/children",
    response_model=Page[ResourceRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_children(
    resource_id: uuid.UUID, session: SessionDep, actor: ActorDep, pagination: PaginationDep
) -> Page[ResourceRead]:
    parent = await service.get(session, actor, resource_id)
    items, total = await service.search(
        session, actor, parent.site_id, pagination=pagination, parent_id=parent.id
    )
    return Page[ResourceRead].build(
        [ResourceRead.model_validate(r) for r in items], total, pagination
    )


@router.get(
    "/resources/{resource_id}/subtree",
    response_model=Page[ResourceTreeNode],
    responses=problem_responses(401, 403, 404, 422),
)
async def get_subtree(
    resource_id: uuid.UUID, session: SessionDep, actor: ActorDep, pagination: PaginationDep
) -> Page[ResourceTreeNode]:
    """The resource and every descendant, depth-first by name, with their depth."""
    rows, total = await service.subtree(session, actor, resource_id, pagination=pagination)
    items = [
        ResourceTreeNode.model_validate(
            {**ResourceRead.model_validate(r).model_dump(), "depth": depth}
        )
        for r, depth in rows
    ]
    return Page[ResourceTreeNode].build(items, total, pagination)


@router.get(
    "/resources/{resource_id}/free-units",
    response_model=FreeUnits,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_free_units(
    resource_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    start: BookingTime,
    end: BookingTime,
) -> FreeUnits:
    """How many units of the resource a booking could take within [start, end), span by span:
    its capacity less the units held by bookings of it, of the resources above it and by
    maintenance windows; none while a resource below it is held (a booking holds its subtree).
    A window of at most 366 days."""
    return await service.free_units(session, actor, resource_id, start=start, end=end)


@router.get(
    "/resources/{resource_id}/busy",
    response_model=list[BusyPeriod],
    responses=problem_responses(401, 403, 404, 422),
)
async def get_busy(
    resource_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    start: BookingTime,
    end: BookingTime,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> Any:
    """When the resource cannot be booked within [start, end): held by its own bookings, by
    those of the resources above it (which book their whole subtree) or below it, each widened
    by the type's lead time and teardown grace."""
    periods = await service.busy(session, actor, resource_id, start=start, end=end, limit=limit)
    # Serialised once, here: returning the list would have FastAPI validate it again first.
    return Response(_BUSY_PERIODS.dump_json(periods), media_type="application/json")
