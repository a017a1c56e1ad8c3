from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.params import SiteRef
from reservation_be.kit.types import Text
from reservation_be.reservations.schemas import BookingTime
from reservation_be.stats import service
from reservation_be.stats.schemas import SiteStats

router = APIRouter(tags=["stats"])


@router.get(
    "/sites/{site}/stats",
    response_model=SiteStats,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_site_stats(
    site: SiteRef,
    session: SessionDep,
    actor: ActorDep,
    start: Annotated[BookingTime, Query(description="Window start (inclusive)")],
    end: Annotated[BookingTime, Query(description="Window end (exclusive), at most 366 days on")],
    tz: Annotated[
        Text, Query(max_length=64, description="IANA time zone the days are cut in")
    ] = "UTC",
) -> SiteStats:
    """Utilisation of the site's resources over [start, end): overall, per resource (most used
    first) and per local day, with how many bookings run now. Who booked is not shown."""
    return await service.site_stats(session, actor, site, start=start, end=end, tz=tz)
