from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from reservation_db.models import SiteVisibility

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.etag import set_etag
from reservation_be.kit.idempotency import IdempotencyDep
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.kit.params import IfMatch, SiteRef
from reservation_be.kit.types import Text
from reservation_be.sites import service
from reservation_be.sites.schemas import SiteCreate, SiteOut, SiteUpdate

router = APIRouter(prefix="/sites", tags=["sites"], responses=problem_responses(401, 403))


@router.get("", response_model=Page[SiteOut], summary="Sites the caller can see")
async def list_sites(
    session: SessionDep,
    actor: ActorDep,
    pagination: PaginationDep,
    visibility: SiteVisibility | None = None,
    q: Annotated[Text | None, Query(max_length=100, description="Search name or slug")] = None,
) -> Page[SiteOut]:
    items, total = await service.list_sites(session, actor, pagination, visibility=visibility, q=q)
    return Page[SiteOut].build(items, total, pagination)


@router.post(
    "",
    response_model=SiteOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a site (platform admins)",
    responses=problem_responses(409, 422),
)
async def create_site(
    session: SessionDep,
    actor: ActorDep,
    body: SiteCreate,
    response: Response,
    idempotency: IdempotencyDep,
) -> SiteOut | Response:
    if (replayed := await idempotency.replay(session, body)) is not None:
        return replayed
    site = await service.create_site(session, actor, body)
    headers = {"Location": f"/api/v1/sites/{site.id}", "ETag": f'"{site.version}"'}
    response.headers.update(headers)
    await idempotency.save(session, status.HTTP_201_CREATED, site, headers)
    return site


@router.get(
    "/{site_ref}", response_model=SiteOut, summary="One site", responses=problem_responses(404)
)
async def get_site(
    session: SessionDep, actor: ActorDep, site_ref: SiteRef, response: Response
) -> SiteOut:
    site = await service.get_site(session, actor, site_ref)
    set_etag(response, site.version)
    return site


@router.patch(
    "/{site_ref}",
    response_model=SiteOut,
    summary="Update a site (site-admins); requires If-Match",
    responses=problem_responses(404, 409, 412, 422, 428),
)
async def update_site(
    session: SessionDep,
    actor: ActorDep,
    site_ref: SiteRef,
    body: SiteUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> SiteOut:
    site = await service.update_site(session, actor, site_ref, body, if_match=if_match)
    set_etag(response, site.version)
    return site


@router.delete(
    "/{site_ref}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a site (platform admins)",
    responses=problem_responses(404, 409, 412),
)
async def delete_site(
    session: SessionDep, actor: ActorDep, site_ref: SiteRef, if_match: IfMatch = None
) -> None:
    await service.delete_site(session, actor, site_ref, if_match=if_match)
