from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from reservation_be.auth import ActorDep
from reservation_be.fairuse import groups, service, waitlist
from reservation_be.fairuse.schemas import (
    BlackoutCreate,
    BlackoutRead,
    ExtendBody,
    MemberGroupCreate,
    MemberGroupMembers,
    MemberGroupRead,
    MyUsage,
    QuotaCreate,
    QuotaRead,
    SiteUsageReport,
    WaitlistJoin,
    WaitlistRead,
)
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.etag import set_etag
from reservation_be.kit.params import IfMatch, SiteRef
from reservation_be.reservations import service as reservations
from reservation_be.reservations.endpoints import LimitsDep
from reservation_be.reservations.schemas import BookingTime, ReservationRead

router = APIRouter(tags=["fair use"])


# --- quotas and usage -------------------------------------------------------------------------


@router.get(
    "/sites/{site}/quotas",
    response_model=list[QuotaRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_quotas(site: SiteRef, session: SessionDep, actor: ActorDep) -> list[QuotaRead]:
    """The site's quotas (members)."""
    return [service.quota_read(q) for q in await service.list_quotas(session, actor, site)]


@router.post(
    "/sites/{site}/quotas",
    response_model=QuotaRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_quota(
    site: SiteRef, body: QuotaCreate, session: SessionDep, actor: ActorDep
) -> QuotaRead:
    """Add a quota (site admins); 422 when it contradicts itself or the site-wide quota, 409
    when its scope (type, member) has one already."""
    return service.quota_read(await service.create_quota(session, actor, site, body))


@router.delete(
    "/quotas/{quota_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_quota(quota_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    await service.delete_quota(session, actor, quota_id)


# --- member groups ----------------------------------------------------------------------------


@router.get(
    "/sites/{site}/member-groups",
    response_model=list[MemberGroupRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_member_groups(
    site: SiteRef, session: SessionDep, actor: ActorDep
) -> list[MemberGroupRead]:
    """The site's member groups with their members (site admins)."""
    return [await groups.read(session, g) for g in await groups.list_groups(session, actor, site)]


@router.post(
    "/sites/{site}/member-groups",
    response_model=MemberGroupRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_member_group(
    site: SiteRef, body: MemberGroupCreate, session: SessionDep, actor: ActorDep
) -> MemberGroupRead:
    """Name a set of site members that quotas can bind (site admins); 409 when the name is
    taken, 422 naming each user id that is not a site member."""
    return await groups.read(session, await groups.create(session, actor, site, body))


@router.get(
    "/member-groups/{group_id}",
    response_model=MemberGroupRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def get_member_group(
    group_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> MemberGroupRead:
    return await groups.read(session, await groups.get(session, actor, group_id))


@router.put(
    "/member-groups/{group_id}/members",
    response_model=MemberGroupRead,
    responses=problem_responses(401, 403, 404, 422),
)
async def set_member_group_members(
    group_id: uuid.UUID, body: MemberGroupMembers, session: SessionDep, actor: ActorDep
) -> MemberGroupRead:
    """Replace the group's members (site admins): its quotas bind them from the next booking."""
    return await groups.read(session, await groups.set_members(session, actor, group_id, body))


@router.delete(
    "/member-groups/{group_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_member_group(group_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    """Delete the group and the quotas that bind it (site admins)."""
    await groups.delete_group(session, actor, group_id)


@router.get("/me/usage", response_model=MyUsage, responses=problem_responses(401, 403))
async def my_usage(session: SessionDep, actor: ActorDep) -> MyUsage:
    """Your usage against every quota that binds you, per site."""
    return await service.my_usage(session, actor)


@router.get(
    "/sites/{site}/usage",
    response_model=SiteUsageReport,
    responses=problem_responses(401, 403, 404, 422),
)
async def site_usage(site: SiteRef, session: SessionDep, actor: ActorDep) -> SiteUsageReport:
    """Every member's usage now (site admins)."""
    return await service.site_usage(session, actor, site)


@router.get(
    "/sites/{site}/usage/export",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def export_site_usage(site: SiteRef, session: SessionDep, actor: ActorDep) -> Response:
    """The usage report as CSV (site admins)."""
    report = await service.site_usage(session, actor, site)
    return Response(
        service.usage_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="usage.csv"'},
    )


# --- maintenance windows ----------------------------------------------------------------------


@router.get(
    "/sites/{site}/blackouts",
    response_model=list[BlackoutRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_blackouts(
    site: SiteRef,
    session: SessionDep,
    actor: ActorDep,
    start: Annotated[
        BookingTime | None, Query(description="Windows overlapping [start, end)")
    ] = None,
    end: BookingTime | None = None,
) -> list[BlackoutRead]:
    """Maintenance windows (whoever sees the site); at most 1000, earliest first."""
    found = await service.list_blackouts(session, actor, site, start=start, end=end)
    return [service.blackout_read(b) for b in found]


@router.post(
    "/sites/{site}/blackouts",
    response_model=BlackoutRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def create_blackout(
    site: SiteRef, body: BlackoutCreate, session: SessionDep, actor: ActorDep
) -> BlackoutRead:
    """Hold a period for maintenance (site admins). Bookings in the way: 409 listing them
    (policy refuse) or cancelled with the reason (policy cancel)."""
    blackout, cancelled = await service.create_blackout(session, actor, site, body)
    return service.blackout_read(blackout, cancelled=cancelled)


@router.delete(
    "/blackouts/{blackout_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
async def delete_blackout(blackout_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    await service.delete_blackout(session, actor, blackout_id)


# --- extend, release, check in ----------------------------------------------------------------


@router.post(
    "/reservations/{reservation_id}/extend",
    response_model=ReservationRead,
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def extend_reservation(
    reservation_id: uuid.UUID,
    body: ExtendBody,
    session: SessionDep,
    actor: ActorDep,
    response: Response,
    limits: LimitsDep,
    if_match: IfMatch = None,
) -> ReservationRead:
    """Move the end later (owner or site admin): the type's extension window and maximum,
    quotas, and the booking in the way (409 naming it) decide."""
    reservation = await service.extend(
        session, actor, reservation_id, body, if_match=if_match, limits=limits
    )
    set_etag(response, reservation.version)
    return reservations.to_read(reservation)


@router.post(
    "/reservations/{reservation_id}/release",
    response_model=ReservationRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def release_reservation(
    reservation_id: uuid.UUID, session: SessionDep, actor: ActorDep, response: Response
) -> ReservationRead:
    """End an active reservation now (owner or site admin): frees the rest of the period and
    starts the teardown."""
    reservation = await service.release(session, actor, reservation_id)
    set_etag(response, reservation.version)
    return reservations.to_read(reservation)


@router.post(
    "/reservations/{reservation_id}/check-in",
    response_model=ReservationRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def check_in_reservation(
    reservation_id: uuid.UUID, session: SessionDep, actor: ActorDep, response: Response
) -> ReservationRead:
    """The owner checks in (from 15 minutes before the start until the end)."""
    reservation = await service.check_in(session, actor, reservation_id)
    set_etag(response, reservation.version)
    return reservations.to_read(reservation)


# --- waitlist ---------------------------------------------------------------------------------


@router.post(
    "/resources/{resource_id}/waitlist",
    response_model=WaitlistRead,
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def join_waitlist(
    resource_id: uuid.UUID, body: WaitlistJoin, session: SessionDep, actor: ActorDep
) -> WaitlistRead:
    """Wait for a busy period (members); 409 when it is free (book it instead)."""
    entry = await waitlist.join(session, actor, resource_id, body)
    return await waitlist.read(session, entry)


@router.get(
    "/me/waitlist", response_model=list[WaitlistRead], responses=problem_responses(401, 403)
)
async def my_waitlist(session: SessionDep, actor: ActorDep) -> list[WaitlistRead]:
    """Your waitlist entries, newest first, each with its place in line."""
    return await waitlist.read_many(session, await waitlist.mine(session, actor))


@router.delete(
    "/waitlist/{entry_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(401, 403, 404, 422),
)
async def leave_waitlist(entry_id: uuid.UUID, session: SessionDep, actor: ActorDep) -> None:
    """Leave the line (the member or a site admin)."""
    await waitlist.leave(session, actor, entry_id)


@router.post(
    "/waitlist/{entry_id}/confirm",
    response_model=WaitlistRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def confirm_waitlist_booking(
    entry_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> WaitlistRead:
    """Keep the booking made for you from the waitlist (before confirm_by)."""
    return await waitlist.read(session, await waitlist.confirm(session, actor, entry_id))
