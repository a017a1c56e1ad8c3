from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from reservation_db.models.reservation import ReservationStatus

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.etag import etag_for, set_etag
from reservation_be.kit.idempotency import IdempotencyDep
from reservation_be.kit.pagination import Page, PaginationDep, page_json
from reservation_be.kit.params import IfMatch
from reservation_be.kit.types import Text
from reservation_be.reservations import booking, rules, service
from reservation_be.reservations.schemas import (
    BookingTime,
    ReasonBody,
    ReservationCreate,
    ReservationEmbed,
    ReservationListItem,
    ReservationRead,
    ReservationSort,
    ReservationUpdate,
)
from reservation_be.reservations.turns import NO_TURN, booking_turn
from reservation_be.settings import Settings

router = APIRouter(tags=["reservations"])


async def _limits(request: Request) -> rules.PlatformLimits:
    settings: Settings = request.app.state.settings
    return settings.booking_limits


LimitsDep = Annotated[rules.PlatformLimits, Depends(_limits)]


@router.post(
    "/reservations",
    response_model=ReservationRead,
    status_code=status.HTTP_201_CREATED,
    # The booking lane takes the turn (fast_lane.py), also for what it sends on to the route.
    responses={**problem_responses(401, 403, 409, 422), **NO_TURN},
)
async def create_reservation(
    body: ReservationCreate,
    session: SessionDep,
    actor: ActorDep,
    idempotency: IdempotencyDep,
    limits: LimitsDep,
) -> Any:
    """Book a resource (and so its whole subtree) over [start, end).

    409 when any part of the subtree, or a resource above it, is held over the period widened
    by the type's lead time and teardown grace; the problem names the conflicting reservation
    when you may see it. ``owner_id`` books on behalf of a site member (site admins).
    """
    replayed = await idempotency.replay(session, body)
    if replayed is not None:
        return replayed
    reservation, read = await booking.book(session, actor, body, limits=limits)
    headers = created_headers(reservation.id, reservation.version)
    await idempotency.save(session, status.HTTP_201_CREATED, read, headers)
    return created_response(read, headers)


def created_headers(reservation_id: uuid.UUID, version: int) -> dict[str, str]:
    return {"Location": f"/api/v1/reservations/{reservation_id}", "ETag": etag_for(version)}


def created_response(read: ReservationRead, headers: dict[str, str]) -> Response:
    # Serialised once, here: returning the model would have FastAPI validate it again first.
    return Response(
        read.model_dump_json(by_alias=True),
        status_code=status.HTTP_201_CREATED,
        headers=headers,
        media_type="application/json",
    )


@router.get(
    "/reservations",
    response_model=Page[ReservationListItem],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_reservations(
    session: SessionDep,
    actor: ActorDep,
    pagination: PaginationDep,
    mine: Annotated[bool, Query(description="Only reservations you own")] = False,
    site: Annotated[Text | None, Query(max_length=100, description="Site id or slug")] = None,
    resource_id: uuid.UUID | None = None,
    include_subtree: Annotated[
        bool, Query(description="With resource_id: also reservations of its descendants")
    ] = False,
    owner_id: Annotated[Text | None, Query(max_length=255)] = None,
    status_: Annotated[list[ReservationStatus] | None, Query(alias="status")] = None,
    start: Annotated[
        BookingTime | None, Query(description="Reservations overlapping [start, end)")
    ] = None,
    end: BookingTime | None = None,
    sort: ReservationSort = ReservationSort.START,
    embed: Annotated[
        list[ReservationEmbed] | None,
        Query(description="Related data to include in each item (resource: name, type, color)"),
    ] = None,
) -> Any:
    items, total = await service.list_reservations(
        session,
        actor,
        pagination=pagination,
        mine=mine,
        site=site,
        resource_id=resource_id,
        include_subtree=include_subtree,
        owner_id=owner_id,
        statuses=status_,
        start=start,
        end=end,
        sort=sort,
        embed_resource=bool(embed and ReservationEmbed.RESOURCE in embed),
    )
    # The items come as JSON written by PostgreSQL; returning a model would have FastAPI
    # validate and serialise the page again.
    return Response(page_json(items, total, pagination), media_type="application/json")


@router.get(
    "/reservations/{reservation_id}",
    response_model=ReservationRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_reservation(
    reservation_id: uuid.UUID, session: SessionDep, actor: ActorDep, response: Response
) -> ReservationRead:
    reservation = await service.get(session, actor, reservation_id)
    set_etag(response, reservation.version)
    return service.to_read(reservation)


@router.patch(
    "/reservations/{reservation_id}",
    response_model=ReservationRead,
    # Moving, extending or requantifying holds slots anew; a new title does not.
    dependencies=[booking_turn("start", "end", "resource_id", "quantity")],
    responses={**problem_responses(401, 403, 404, 409, 412, 422, 428), **NO_TURN},
)
async def update_reservation(
    reservation_id: uuid.UUID,
    body: ReservationUpdate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    limits: LimitsDep,
    if_match: IfMatch = None,
) -> ReservationRead:
    """Change, move or extend; requires ``If-Match`` with the ETag you read."""
    reservation = await service.update(
        session, actor, reservation_id, body, if_match=if_match, limits=limits
    )
    set_etag(response, reservation.version)
    return service.to_read(reservation)


def _decision_endpoint(decision: service.Decision) -> None:
    async def endpoint(
        reservation_id: uuid.UUID,
        session: SessionDep,
        actor: ActorDep,
        response: Response,
        body: ReasonBody | None = None,
        if_match: IfMatch = None,
    ) -> ReservationRead:
        reservation = await service.decide(
            session,
            actor,
            reservation_id,
            decision,
            reason=body.reason if body else None,
            if_match=if_match,
        )
        set_etag(response, reservation.version)
        return service.to_read(reservation)

    router.add_api_route(
        f"/reservations/{{reservation_id}}/{decision.value}",
        endpoint,
        methods=["POST"],
        name=f"{decision.value}_reservation",
        summary=_SUMMARIES[decision],
        response_model=ReservationRead,
        responses=problem_responses(401, 403, 404, 409, 412, 422),
    )


_SUMMARIES = {
    service.Decision.CANCEL: "Cancel (owner or site admin); releases the slots",
    service.Decision.APPROVE: "Approve a pending reservation (site admins)",
    service.Decision.REJECT: "Reject a pending reservation (site admins); releases the slots",
}

for _decision in service.Decision:
    _decision_endpoint(_decision)
