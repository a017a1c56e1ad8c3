from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.params import SiteRef
from reservation_be.opening_hours import service
from reservation_be.opening_hours.schemas import (
    EffectiveOpeningHours,
    OpeningHoursPut,
    OpeningHoursRead,
)
from reservation_be.reservations.schemas import BookingTime

router = APIRouter(tags=["opening-hours"])


@router.get(
    "/sites/{site_ref}/opening-hours",
    response_model=list[OpeningHoursRead],
    summary="The opening-hours schedules of a site, its types and resources",
    responses=problem_responses(401, 403, 404, 422),
)
async def list_opening_hours(
    site_ref: SiteRef, session: SessionDep, actor: ActorDep
) -> list[OpeningHoursRead]:
    return await service.list_site(session, actor, site_ref)


@router.put(
    "/sites/{site_ref}/opening-hours",
    response_model=OpeningHoursRead,
    summary="Set the schedule of the site, a resource type or a resource (site admins)",
    responses=problem_responses(401, 403, 404, 422),
)
async def put_opening_hours(
    site_ref: SiteRef, body: OpeningHoursPut, session: SessionDep, actor: ActorDep
) -> OpeningHoursRead:
    """Weekly hours and exceptions (holidays, special days) in the site's time zone. Hours that
    end before they start, overlap on one weekday, or two exceptions on one date: 422 naming
    which. Bookings outside the hours are refused with 422 ``outside-opening-hours``."""
    return await service.put(session, actor, site_ref, body)


@router.delete(
    "/opening-hours/{opening_hours_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a schedule (site admins)",
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_opening_hours(
    opening_hours_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> Response:
    await service.delete(session, actor, opening_hours_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/resources/{resource_id}/opening-hours",
    response_model=EffectiveOpeningHours,
    summary="The opening hours that apply to a resource, and its open spans in a window",
    responses=problem_responses(401, 403, 404, 422),
)
async def resource_opening_hours(
    resource_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    start: BookingTime,
    end: BookingTime,
) -> EffectiveOpeningHours:
    return await service.for_resource(session, actor, resource_id, start=start, end=end)
