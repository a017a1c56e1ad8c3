from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from reservation_common.crypto import SecretBox
from reservation_common.events import EventType
from reservation_db.models.webhook_delivery import DeliveryStatus

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.kit.etag import etag_for
from reservation_be.kit.idempotency import HEADER, REPLAYED_HEADER, IdempotencyDep
from reservation_be.kit.pagination import Page, PaginationDep
from reservation_be.kit.params import IfMatch, SiteRef
from reservation_be.kit.types import Timestamp
from reservation_be.settings import Settings
from reservation_be.webhooks import service
from reservation_be.webhooks.schemas import (
    AttemptRead,
    DeliveryFilter,
    DeliveryRead,
    PingAccepted,
    RedeliverCount,
    RedeliverFailed,
    RotateSecret,
    WebhookCreate,
    WebhookRead,
    WebhookUpdate,
    WebhookWithSecret,
)

router = APIRouter(tags=["webhooks"])

BASE = "/sites/{site}/webhooks"
ONE = BASE + "/{webhook_id}"


async def _secret_box(request: Request) -> SecretBox:
    box: SecretBox | None = getattr(request.app.state, "webhook_secret_box", None)
    if box is None:
        settings: Settings = request.app.state.settings
        box = SecretBox(settings.webhook_secrets_key.get_secret_value())
        request.app.state.webhook_secret_box = box
    return box


async def _production(request: Request) -> bool:
    settings: Settings = request.app.state.settings
    return settings.is_production


SecretBoxDep = Annotated[SecretBox, Depends(_secret_box)]
ProductionDep = Annotated[bool, Depends(_production)]


def _with_etag(response: Response, read: WebhookRead) -> None:
    response.headers["ETag"] = etag_for(read.version)


@router.post(
    BASE,
    response_model=WebhookWithSecret,
    status_code=status.HTTP_201_CREATED,
    responses={
        **problem_responses(401, 403, 404, 409, 422),
        409: {
            **problem_responses(409)[409],
            "description": "A retry of a creation whose secret was already shown "
            "(webhook-secret-already-shown; Location names the subscription)",
            "headers": {
                "Location": {"schema": {"type": "string"}, "description": "The subscription"}
            },
        },
    },
)
async def create_webhook(
    site: SiteRef,
    body: WebhookCreate,
    session: SessionDep,
    actor: ActorDep,
    box: SecretBoxDep,
    production: ProductionDep,
    idempotency: IdempotencyDep,
    response: Response,
) -> Any:
    """Subscribe a URL to the site's events. The signing secret is in this response only.

    A retry with the same ``Idempotency-Key`` (and body) creates nothing and answers 409
    ``webhook-secret-already-shown``, with ``Location`` naming the subscription: the secret is
    never stored in plain text, so it cannot be shown twice; rotate it to get a new one.
    """
    replayed = await idempotency.replay(session, body)
    if replayed is not None:
        location = replayed.headers.get("location", "")
        raise service.SecretAlreadyShown(
            f"{HEADER} {idempotency.key!r} already created the subscription {location}; its "
            "signing secret was shown once, in that response. Rotate the secret "
            "(POST .../rotate-secret) to get a new one.",
            headers={"Location": location, REPLAYED_HEADER: "true"},
        )
    read, secret = await service.create(session, actor, site, body, box=box, production=production)
    headers = {"Location": f"/api/v1/sites/{read.site_id}/webhooks/{read.id}"}
    headers["ETag"] = etag_for(read.version)
    await idempotency.save(session, status.HTTP_201_CREATED, read, headers)
    response.headers.update(headers)
    return WebhookWithSecret(**read.model_dump(), secret=secret)


@router.get(BASE, response_model=Page[WebhookRead], responses=problem_responses(401, 403, 404))
async def list_webhooks(
    site: SiteRef, session: SessionDep, actor: ActorDep, pagination: PaginationDep
) -> Page[WebhookRead]:
    items, total = await service.list_webhooks(session, actor, site, pagination=pagination)
    return Page[WebhookRead].build(items, total, pagination)


@router.get(ONE, response_model=WebhookRead, responses=problem_responses(401, 403, 404, 422))
async def get_webhook(
    site: SiteRef, webhook_id: uuid.UUID, session: SessionDep, actor: ActorDep, response: Response
) -> WebhookRead:
    read = await service.get(session, actor, site, webhook_id)
    _with_etag(response, read)
    return read


@router.patch(
    ONE, response_model=WebhookRead, responses=problem_responses(401, 403, 404, 412, 422, 428)
)
async def update_webhook(
    site: SiteRef,
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    session: SessionDep,
    actor: ActorDep,
    production: ProductionDep,
    response: Response,
    if_match: IfMatch = None,
) -> WebhookRead:
    """Change a subscription; send ``If-Match`` with the ETag you read."""
    read = await service.update(
        session, actor, site, webhook_id, body, if_match=if_match, production=production
    )
    _with_etag(response, read)
    return read


@router.delete(
    ONE, status_code=status.HTTP_204_NO_CONTENT, responses=problem_responses(401, 403, 404, 422)
)
async def delete_webhook(
    site: SiteRef, webhook_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> None:
    await service.delete(session, actor, site, webhook_id)


@router.post(
    ONE + "/rotate-secret",
    response_model=WebhookWithSecret,
    responses=problem_responses(401, 403, 404, 422),
)
async def rotate_webhook_secret(
    site: SiteRef,
    webhook_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    box: SecretBoxDep,
    response: Response,
    body: RotateSecret | None = None,
) -> WebhookWithSecret:
    """A new signing secret, shown once. The previous ones keep signing until
    ``grace_period`` (default 24 h) ends, so receivers can switch without a gap."""
    read, secret = await service.rotate_secret(
        session, actor, site, webhook_id, body or RotateSecret(), box=box
    )
    _with_etag(response, read)
    return WebhookWithSecret(**read.model_dump(), secret=secret)


@router.post(
    ONE + "/test",
    response_model=PingAccepted,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def send_test_event(
    site: SiteRef, webhook_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> PingAccepted:
    """Send a ``webhook.ping`` event to this subscription only."""
    event_id = await service.send_test_event(session, actor, site, webhook_id)
    return PingAccepted(event_id=event_id)


@router.get(
    ONE + "/deliveries",
    response_model=Page[DeliveryRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_deliveries(
    site: SiteRef,
    webhook_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    pagination: PaginationDep,
    delivery_status: Annotated[DeliveryStatus | None, Query(alias="status")] = None,
    event_type: EventType | None = None,
    since: Annotated[Timestamp | None, Query(description="Created at or after")] = None,
    until: Annotated[Timestamp | None, Query(description="Created before")] = None,
) -> Page[DeliveryRead]:
    """Deliveries of the subscription, newest first."""
    filters = DeliveryFilter(
        status=delivery_status, event_type=event_type, since=since, until=until
    )
    items, total = await service.list_deliveries(
        session, actor, site, webhook_id, filters=filters, pagination=pagination
    )
    return Page[DeliveryRead].build(
        [DeliveryRead.model_validate(d) for d in items], total, pagination
    )


@router.get(
    ONE + "/deliveries/{delivery_id}/attempts",
    response_model=Page[AttemptRead],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_attempts(
    site: SiteRef,
    webhook_id: uuid.UUID,
    delivery_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
    pagination: PaginationDep,
) -> Page[AttemptRead]:
    items, total = await service.list_attempts(
        session, actor, site, webhook_id, delivery_id, pagination=pagination
    )
    return Page[AttemptRead].build(
        [AttemptRead.model_validate(a) for a in items], total, pagination
    )


@router.post(
    ONE + "/deliveries/{delivery_id}/redeliver",
    response_model=DeliveryRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def redeliver(
    site: SiteRef,
    webhook_id: uuid.UUID,
    delivery_id: uuid.UUID,
    session: SessionDep,
    actor: ActorDep,
) -> DeliveryRead:
    """Send a finished delivery again, with the same ``webhook-id``."""
    delivery = await service.redeliver(session, actor, site, webhook_id, delivery_id)
    return DeliveryRead.model_validate(delivery)


@router.post(
    ONE + "/deliveries/redeliver-failed",
    response_model=RedeliverCount,
    status_code=status.HTTP_202_ACCEPTED,
    responses=problem_responses(401, 403, 404, 422),
)
async def redeliver_failed(
    site: SiteRef,
    webhook_id: uuid.UUID,
    body: RedeliverFailed,
    session: SessionDep,
    actor: ActorDep,
) -> RedeliverCount:
    """Send again every failed delivery created since ``since``."""
    count = await service.redeliver_failed(session, actor, site, webhook_id, since=body.since)
    return RedeliverCount(redelivered=count)
