from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from reservation_db.models import MailStatus

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.mail import service
from reservation_be.mail.schemas import MailOut, PreferencesOut, PreferencesUpdate, Unsubscribed

router = APIRouter(tags=["mail"])

UnsubscribeToken = Annotated[
    str, Path(max_length=1000, pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
]


@router.get(
    "/users/me/notification-preferences",
    response_model=PreferencesOut,
    summary="Which e-mails the caller receives",
    responses=problem_responses(401, 403),
)
async def get_preferences(session: SessionDep, actor: ActorDep) -> PreferencesOut:
    return await service.get_preferences(session, actor)


@router.patch(
    "/users/me/notification-preferences",
    response_model=PreferencesOut,
    summary="Choose which e-mails the caller receives",
    responses=problem_responses(401, 403, 422),
)
async def update_preferences(
    session: SessionDep, actor: ActorDep, body: PreferencesUpdate
) -> PreferencesOut:
    return await service.update_preferences(session, actor, body)


_CONFIRM_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Unsubscribe</title></head>
<body><form method="post"><p>Stop receiving this kind of reminder?</p>
<button type="submit" name="List-Unsubscribe" value="One-Click">Stop these reminders</button>
</form></body></html>
"""


@router.get(
    "/mail/unsubscribe/{token}",
    response_class=HTMLResponse,
    summary="The page behind a reminder's unsubscribe link: asks before it unsubscribes",
    description="A GET changes nothing (link checkers follow links); the button POSTs.",
    responses={200: {"content": {"text/html": {"schema": {"type": "string"}}}}},
)
async def unsubscribe_page(token: UnsubscribeToken) -> HTMLResponse:
    return HTMLResponse(
        _CONFIRM_PAGE,
        headers={
            "Content-Security-Policy": "default-src 'none'; form-action 'self'; "
            "frame-ancestors 'none'",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


@router.post(
    "/mail/unsubscribe/{token}",
    response_model=Unsubscribed,
    summary="One-click unsubscribe (RFC 8058) from the kind of mail the link was sent with",
    description="The signed link of a reminder's List-Unsubscribe header; no login needed.",
    responses=problem_responses(404),
)
async def unsubscribe(
    session: SessionDep, request: Request, token: UnsubscribeToken
) -> Unsubscribed:
    secret = request.app.state.settings.webhook_secrets_key.get_secret_value()
    return await service.unsubscribe(session, secret, token)


@router.get(
    "/admin/mails",
    response_model=Page[MailOut],
    summary="Queued, sent and failed mails (platform admins)",
    responses=problem_responses(401, 403),
)
async def list_mails(
    session: SessionDep,
    actor: ActorDep,
    pagination: PaginationDep,
    status: MailStatus | None = None,
) -> Page[MailOut]:
    items, total = await service.list_mails(session, actor, pagination, status=status)
    return Page[MailOut].build(items, total, pagination)


@router.post(
    "/admin/mails/{mail_id}/retry",
    response_model=MailOut,
    summary="Queue a failed mail again (platform admins)",
    responses=problem_responses(401, 403, 404, 409),
)
async def retry_mail(session: SessionDep, actor: ActorDep, mail_id: uuid.UUID) -> MailOut:
    return await service.retry_mail(session, actor, mail_id)
