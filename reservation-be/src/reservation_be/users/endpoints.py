from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from reservation_db.models import User

from reservation_be import policy
from reservation_be.auth import Actor, ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.users import service
from reservation_be.users.schemas import (
    MeOut,
    ProfileUpdate,
    SshKeyCreate,
    SshKeyOut,
    SshKeyUpdate,
    UserOut,
)

router = APIRouter(prefix="/users", tags=["users"], responses=problem_responses(401, 403))


def _me(user: User, actor: Actor) -> MeOut:
    fields = UserOut.model_validate(user).model_dump()
    return MeOut(**fields, is_platform_admin=actor.is_platform_admin)


@router.get("/me", response_model=MeOut, summary="The calling user")
async def get_me(session: SessionDep, actor: ActorDep) -> MeOut:
    policy.require_user(actor)
    user = await service.get_me(session, actor)
    return _me(user, actor)


@router.patch(
    "/me", response_model=MeOut, summary="Update own profile", responses=problem_responses(422)
)
async def update_me(session: SessionDep, actor: ActorDep, body: ProfileUpdate) -> MeOut:
    policy.require_user(actor)
    user = await service.update_profile(session, actor, body)
    return _me(user, actor)


@router.get("/me/ssh-keys", response_model=list[SshKeyOut], summary="Own SSH public keys")
async def list_ssh_keys(session: SessionDep, actor: ActorDep) -> list[SshKeyOut]:
    policy.require_user(actor)
    keys = await service.list_ssh_keys(session, actor)
    return [SshKeyOut.model_validate(k) for k in keys]


@router.post(
    "/me/ssh-keys",
    response_model=SshKeyOut,
    status_code=status.HTTP_201_CREATED,
    summary="Register an SSH public key",
    responses=problem_responses(409, 422),
)
async def add_ssh_key(session: SessionDep, actor: ActorDep, body: SshKeyCreate) -> SshKeyOut:
    policy.require_user(actor)
    key = await service.add_ssh_key(session, actor, body)
    return SshKeyOut.model_validate(key)


@router.get(
    "/me/ssh-keys/{key_id}",
    response_model=SshKeyOut,
    summary="One own SSH key",
    responses=problem_responses(404),
)
async def get_ssh_key(session: SessionDep, actor: ActorDep, key_id: uuid.UUID) -> SshKeyOut:
    policy.require_user(actor)
    return SshKeyOut.model_validate(await service.get_ssh_key(session, actor, key_id))


@router.patch(
    "/me/ssh-keys/{key_id}",
    response_model=SshKeyOut,
    summary="Rename an own SSH key",
    responses=problem_responses(404, 422),
)
async def rename_ssh_key(
    session: SessionDep, actor: ActorDep, key_id: uuid.UUID, body: SshKeyUpdate
) -> SshKeyOut:
    policy.require_user(actor)
    return SshKeyOut.model_validate(await service.rename_ssh_key(session, actor, key_id, body))


@router.delete(
    "/me/ssh-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an SSH key",
    responses=problem_responses(404),
)
async def delete_ssh_key(session: SessionDep, actor: ActorDep, key_id: uuid.UUID) -> None:
    policy.require_user(actor)
    await service.delete_ssh_key(session, actor, key_id)
