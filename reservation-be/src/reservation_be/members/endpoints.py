from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status
from reservation_db.models import SiteRole

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.kit.params import SiteRef
from reservation_be.kit.types import Text
from reservation_be.members import service
from reservation_be.members.directory import UserDirectory, get_directory
from reservation_be.members.schemas import MemberAdd, MemberOut, MemberUpdate

router = APIRouter(
    prefix="/sites/{site_ref}/members",
    tags=["members"],
    responses=problem_responses(401, 403, 404),
)

UserId = Annotated[Text, Path(description="The member's user id", min_length=1, max_length=255)]
DirectoryDep = Annotated[UserDirectory, Depends(get_directory)]


@router.get("", response_model=Page[MemberOut], summary="Members of a site")
async def list_members(
    session: SessionDep,
    actor: ActorDep,
    site_ref: SiteRef,
    pagination: PaginationDep,
    role: SiteRole | None = None,
) -> Page[MemberOut]:
    items, total = await service.list_members(session, actor, site_ref, pagination, role=role)
    return Page[MemberOut].build(items, total, pagination)


@router.post(
    "",
    response_model=MemberOut,
    status_code=status.HTTP_201_CREATED,
    summary="Add a member by username or e-mail (site-admins)",
    responses=problem_responses(409, 422, 503),
)
async def add_member(
    session: SessionDep,
    actor: ActorDep,
    site_ref: SiteRef,
    body: MemberAdd,
    directory: DirectoryDep,
) -> MemberOut:
    return await service.add_member(session, actor, site_ref, body, directory=directory)


@router.patch(
    "/{user_id}",
    response_model=MemberOut,
    summary="Change a member's role (site-admins; nobody raises their own role)",
    responses=problem_responses(409, 422),
)
async def change_role(
    session: SessionDep, actor: ActorDep, site_ref: SiteRef, user_id: UserId, body: MemberUpdate
) -> MemberOut:
    return await service.change_role(session, actor, site_ref, user_id, body)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a member (site-admins), or leave a site (yourself)",
    responses=problem_responses(409),
)
async def remove_member(
    session: SessionDep, actor: ActorDep, site_ref: SiteRef, user_id: UserId
) -> None:
    await service.remove_member(session, actor, site_ref, user_id)
