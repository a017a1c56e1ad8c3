from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request, Response, status

from reservation_be.auth import ActorDep
from reservation_be.calendar_feeds import service
from reservation_be.calendar_feeds.schemas import CalendarFeedCreated
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.params import SiteRef
from reservation_be.mail.settings import MailSettings

router = APIRouter(tags=["calendar"])

FeedToken = Annotated[
    str, Path(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$", description="The secret")
]
CALENDAR = "text/calendar; charset=utf-8"
_FEED_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/calendar": {"schema": {"type": "string"}}}, "description": "iCal"},
    304: {"description": "Not modified (If-None-Match)"},
    **problem_responses(403, 404),
}


@lru_cache(maxsize=1)
def _domain() -> str:
    return MailSettings().domain


def _answer(feed: service.Feed, if_none_match: str | None) -> Response:
    headers = {"ETag": feed.etag, "Cache-Control": "private, max-age=300"}
    if if_none_match is not None and feed.etag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(content=feed.body, media_type=CALENDAR, headers=headers)


@router.post(
    "/users/me/calendar-feed",
    response_model=CalendarFeedCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create or rotate the caller's calendar feed URL (shown once)",
    responses=problem_responses(401, 403),
)
async def rotate_feed(
    session: SessionDep, actor: ActorDep, request: Request
) -> CalendarFeedCreated:
    token, created_at = await service.rotate_token(session, actor)
    base = str(request.base_url).rstrip("/")
    return CalendarFeedCreated(
        token=token, url=f"{base}/api/v1/calendar/{token}.ics", created_at=created_at
    )


@router.delete(
    "/users/me/calendar-feed",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke the caller's calendar feed URL",
    responses=problem_responses(401, 403, 404),
)
async def revoke_feed(session: SessionDep, actor: ActorDep) -> None:
    await service.revoke_token(session, actor)


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    summary="The feed of one's own reservations (the token is the credential)",
    responses=_FEED_RESPONSES,
)
async def own_feed(
    session: SessionDep,
    token: FeedToken,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    return _answer(await service.own_feed(session, token, domain=_domain()), if_none_match)


@router.get(
    "/calendar/{token}/sites/{site}.ics",
    response_class=Response,
    summary="The feed of a site's reservations, for its members",
    responses=_FEED_RESPONSES,
)
async def site_feed(
    session: SessionDep,
    token: FeedToken,
    site: SiteRef,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    feed = await service.site_feed(session, token, site, domain=_domain())
    return _answer(feed, if_none_match)


@router.get(
    "/calendar/{token}/resources/{resource_id}.ics",
    response_class=Response,
    summary="The feed of the reservations holding a resource, for its site's members",
    responses=_FEED_RESPONSES,
)
async def resource_feed(
    session: SessionDep,
    token: FeedToken,
    resource_id: uuid.UUID,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    feed = await service.resource_feed(session, token, resource_id, domain=_domain())
    return _answer(feed, if_none_match)
