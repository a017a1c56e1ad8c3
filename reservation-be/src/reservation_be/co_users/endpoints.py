from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from reservation_be.auth import ActorDep
from reservation_be.co_users import service
from reservation_be.co_users.schemas import CoUserAdd, CoUserRead
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.params import IfMatch
from reservation_be.kit.types import Text

router = APIRouter(prefix="/reservations/{reservation_id}/co-users", tags=["reservations"])

UserId = Annotated[Text, Path(description="The co-user's user id", min_length=1, max_length=255)]


@router.get(
    "",
    response_model=list[CoUserRead],
    summary="Co-users of a reservation (whoever may read it)",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_co_users(
    reservation_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> list[CoUserRead]:
    return await service.list_co_users(session, actor, reservation_id)


@router.post(
    "",
    response_model=CoUserRead,
    status_code=status.HTTP_201_CREATED,
    summary="Share a reservation with a site member, or change their role (owner, site admins)",
    responses={
        200: {"description": "Already a co-user: the role was changed", "model": CoUserRead},
        **problem_responses(401, 403, 404, 409, 412, 422),
    },
)
async def add_co_user(
    reservation_id: uuid.UUID,
    body: CoUserAdd,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
) -> CoUserRead:
    """``user`` is a username or an e-mail address of a member of the reservation's site; the
    owner is not a co-user. A co-manager may also extend and cancel the reservation. The
    reservation gets a new version and ``reservation.updated`` carries the co-user list."""
    read, created = await service.add(session, actor, reservation_id, body, if_match=if_match)
    if not created:
        response.status_code = status.HTTP_200_OK
    return read


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop sharing a reservation with someone (owner, site admins, or the co-user)",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def remove_co_user(
    reservation_id: uuid.UUID,
    user_id: UserId,
    session: SessionDep,
    actor: ActorDep,
    if_match: IfMatch = None,
) -> Response:
    """``reservation.updated`` carries the list without them, so integrations revoke their
    access (at once when the reservation is active)."""
    await service.remove(session, actor, reservation_id, user_id, if_match=if_match)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
