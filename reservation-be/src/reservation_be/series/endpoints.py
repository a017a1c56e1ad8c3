from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Response, status

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.etag import etag_for, set_etag
from reservation_be.kit.params import IfMatch
from reservation_be.reservations.endpoints import LimitsDep
from reservation_be.reservations.turns import NO_TURN, booking_turn
from reservation_be.series import service
from reservation_be.series.schemas import (
    SeriesCancel,
    SeriesCreate,
    SeriesPreview,
    SeriesRead,
    SeriesUpdate,
)

router = APIRouter(tags=["reservation series"])


@router.post(
    "/reservation-series",
    response_model=SeriesRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[booking_turn()],  # one turn for all its occurrences
    responses={**problem_responses(401, 403, 409, 422), **NO_TURN},
)
async def create_series(
    body: SeriesCreate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    limits: LimitsDep,
) -> Any:
    """Book a recurring series: one ordinary reservation per occurrence of ``rrule``.

    The rule is expanded in the site's time zone (the first occurrence's local time is every
    occurrence's). ``all-or-nothing``: any conflicting occurrence refuses the whole series
    (409 ``series-conflict`` listing each in ``conflicts``). ``skip-conflicts``: the free
    occurrences are booked and the others listed in ``skipped``. 422 ``invalid-recurrence`` or
    ``series-too-long`` names the part of the rule (``part``) that is wrong.
    """
    created = await service.create(session, actor, body, limits=limits)
    response.headers["Location"] = f"/api/v1/reservation-series/{created.series.id}"
    response.headers["ETag"] = etag_for(created.series.version)
    return service.to_read(created.series, created.occurrences, created.skipped)


@router.post(
    "/reservation-series/preview",
    response_model=SeriesPreview,
    responses=problem_responses(401, 403, 422),
)
async def preview_series(
    body: SeriesCreate, session: SessionDep, actor: ActorDep, limits: LimitsDep
) -> SeriesPreview:
    """The occurrences a series would book and which are busy now; books nothing."""
    return await service.preview(session, actor, body, limits=limits)


@router.get(
    "/reservation-series/{series_id}",
    response_model=SeriesRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_series(
    series_id: uuid.UUID, session: SessionDep, actor: ActorDep, response: Response
) -> SeriesRead:
    series, occurrences = await service.get(session, actor, series_id)
    set_etag(response, series.version)
    return service.to_read(series, occurrences)


@router.patch(
    "/reservation-series/{series_id}",
    response_model=SeriesRead,
    # Moving the occurrences holds their slots anew; a new title does not.
    dependencies=[booking_turn("start_time", "duration")],
    responses={**problem_responses(401, 403, 404, 409, 412, 422, 428), **NO_TURN},
)
async def update_series(
    series_id: uuid.UUID,
    body: SeriesUpdate,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    limits: LimitsDep,
    if_match: IfMatch = None,
) -> SeriesRead:
    """Change this occurrence, this and the following ones, or all still to come; requires
    ``If-Match`` with the series' ETag. Any conflict refuses the whole change (409)."""
    series, occurrences = await service.update(
        session, actor, series_id, body, if_match=if_match, limits=limits
    )
    set_etag(response, series.version)
    return service.to_read(series, occurrences)


@router.post(
    "/reservation-series/{series_id}/cancel",
    response_model=SeriesRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def cancel_series(
    series_id: uuid.UUID,
    body: SeriesCancel,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    if_match: IfMatch = None,
) -> SeriesRead:
    """Cancel this occurrence, this and the following ones, or the whole series; requires
    ``If-Match`` with the series' ETag."""
    series, occurrences = await service.cancel(session, actor, series_id, body, if_match=if_match)
    set_etag(response, series.version)
    return service.to_read(series, occurrences)
