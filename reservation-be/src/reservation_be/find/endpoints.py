from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status

from reservation_be.auth import ActorDep
from reservation_be.find import service
from reservation_be.find.schemas import FindRequest, FindResult, GroupCancel, GroupExtend, GroupRead
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.etag import etag_for, set_etag
from reservation_be.kit.params import IfMatch
from reservation_be.reservations.endpoints import LimitsDep
from reservation_be.reservations.turns import NO_TURN, booking_turn

router = APIRouter(tags=["find and book"])


@router.post(
    "/reservations/find",
    response_model=FindResult,
    dependencies=[booking_turn("book")],  # a search alone takes none
    responses={
        201: {"model": FindResult, "description": "With book: the group was booked."},
        **problem_responses(401, 403, 404, 409, 422),
        **NO_TURN,
    },
)
async def find_resources(
    body: FindRequest,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    limits: LimitsDep,
) -> Any:
    """The earliest period in the window where ``count`` resources of the type, matching the
    attribute filters, are all free (with their subtrees, lead times and graces; a pool while
    ``quantity`` of its units are) inside their opening hours, and which.

    With ``book``: books them in one transaction, all or none, as one reservation group
    (201); when others take them first the search runs again (bounded), then 409
    ``no-free-resources``. Without ``book``: 200, ``found`` false when no period fits.
    """
    if not body.book:
        _, proposal = await service.find(session, actor, body, limits=limits)
        if proposal is None:
            return FindResult(found=False)
        return FindResult(
            found=True,
            start=proposal.start,
            end=proposal.end,
            resources=proposal.resources,
            alternatives=proposal.alternatives,
        )
    proposal, group, booked = await service.book(session, actor, body, limits=limits)
    response.status_code = status.HTTP_201_CREATED
    response.headers["Location"] = f"/api/v1/reservation-groups/{group.id}"
    response.headers["ETag"] = etag_for(group.version)
    return FindResult(
        found=True,
        start=proposal.start,
        end=proposal.end,
        resources=proposal.resources,
        alternatives=proposal.alternatives,
        group=service.to_read(group, booked),
    )


@router.get(
    "/reservation-groups/{group_id}",
    response_model=GroupRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_group(
    group_id: uuid.UUID, session: SessionDep, actor: ActorDep, response: Response
) -> GroupRead:
    group, members = await service.get(session, actor, group_id)
    set_etag(response, group.version)
    return service.to_read(group, members)


@router.post(
    "/reservation-groups/{group_id}/cancel",
    response_model=GroupRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def cancel_group(
    group_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    body: GroupCancel | None = None,
    if_match: IfMatch = None,
) -> GroupRead:
    """Cancel every reservation of the group (each emits reservation.cancelled)."""
    group, members = await service.cancel(
        session, actor, group_id, body or GroupCancel(), if_match=if_match
    )
    set_etag(response, group.version)
    return service.to_read(group, members)


@router.post(
    "/reservation-groups/{group_id}/extend",
    response_model=GroupRead,
    dependencies=[booking_turn()],
    responses={**problem_responses(401, 403, 404, 409, 412, 422, 428), **NO_TURN},
)
async def extend_group(
    group_id: uuid.UUID,
    body: GroupExtend,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    limits: LimitsDep,
    if_match: IfMatch = None,
) -> GroupRead:
    """Move the end of every reservation of the group, all or none; requires ``If-Match``."""
    group, members = await service.extend(
        session, actor, group_id, body, if_match=if_match, limits=limits
    )
    set_etag(response, group.version)
    return service.to_read(group, members)
