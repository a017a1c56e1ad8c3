"""Webhook subscriptions: who may manage them, what they may point at, their secrets.

A signing secret is generated here (``whsec_`` + 32 random bytes), encrypted at rest with the
configured Fernet key, returned once in the response that made it and never again, and never
logged. Rotation gives every secret still signing an expiry at the end of a grace period; until
then the event processor signs with each of them (several ``v1,`` signatures), so receivers can
switch to the new secret without a gap.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from urllib.parse import urlsplit

from reservation_common.crypto import SecretBox
from reservation_common.events import EventType, PingData, make_event
from reservation_common.signing import generate_secret
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from reservation_db.models.webhook_attempt import WebhookAttempt
from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_db.models.webhook_secret import WebhookSecret
from reservation_db.models.webhook_subscription import WebhookScopeKind, WebhookSubscription
from reservation_db.repositories import webhook_attempts, webhook_deliveries, webhook_subscriptions
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit import audit, outbox
from reservation_be.kit.errors import Conflict, FieldError, NotFound, UnprocessableEntity
from reservation_be.kit.etag import check_if_match
from reservation_be.kit.pagination import PaginationParams, paginate
from reservation_be.policy import Action, SiteContext
from reservation_be.resources.service import site_ref
from reservation_be.webhooks import repository
from reservation_be.webhooks.schemas import (
    DeliveryFilter,
    RotateSecret,
    SecretInfo,
    WebhookCreate,
    WebhookRead,
    WebhookScope,
    WebhookUpdate,
)

ENTITY = "webhook_subscription"


class WebhookNotFound(NotFound):
    slug, title = "webhook-not-found", "Webhook subscription not found"


class DeliveryNotFound(NotFound):
    slug, title = "delivery-not-found", "Delivery not found"


class WebhookDisabled(Conflict):
    slug, title = "webhook-disabled", "The webhook subscription is disabled"


class DeliveryPending(Conflict):
    slug, title = "delivery-pending", "The delivery is still pending"


class SecretAlreadyShown(Conflict):
    slug, title = "webhook-secret-already-shown", "The signing secret was already shown"


class InvalidWebhook(UnprocessableEntity):
    slug, title = "invalid-webhook", "Invalid webhook subscription"


def to_read(sub: WebhookSubscription, secrets: list[WebhookSecret]) -> WebhookRead:
    return WebhookRead(
        id=sub.id,
        site_id=sub.site_id,
        name=sub.name,
        description=sub.description,
        url=sub.url,
        event_types=list(sub.event_types),
        scope=WebhookScope(
            kind=WebhookScopeKind(sub.scope_kind),
            ids=list(sub.scope_ids),
            include_subtree=sub.include_subtree,
        ),
        enabled=sub.enabled,
        disabled_reason=sub.disabled_reason,
        disabled_at=sub.disabled_at,
        integration_client_id=sub.integration_client_id,
        max_concurrency=sub.max_concurrency,
        rate_limit_per_second=sub.rate_limit_per_second,
        failing_since=sub.failing_since,
        secrets=[SecretInfo.model_validate(s) for s in secrets],
        version=sub.version,
        created_at=sub.created_at,
        updated_at=sub.updated_at,
    )


# ---------------------------------------------------------------------------------------------
# Checks


def _check_url(url: str, *, production: bool) -> None:
    if production and urlsplit(url).scheme != "https":
        raise InvalidWebhook(
            "url must use https in production.",
            errors=[FieldError(loc=["body", "url"], msg="https required", type="url_scheme")],
        )


async def _check_scope(session: AsyncSession, site_id: uuid.UUID, scope: WebhookScope) -> None:
    model: type[Resource] | type[ResourceType]
    if scope.kind is WebhookScopeKind.SITE:
        return
    model = ResourceType if scope.kind is WebhookScopeKind.RESOURCE_TYPE else Resource
    unknown = await repository.foreign_ids(session, site_id, model, scope.ids)
    if unknown:
        what = scope.kind.value.replace("_", " ")
        raise InvalidWebhook(
            f"scope.ids: no {what} of this site with id {', '.join(map(str, unknown))}.",
            errors=[FieldError(loc=["body", "scope", "ids"], msg="unknown id", type="not_found")],
        )


async def _authorized(
    session: AsyncSession, actor: Actor, site: str | uuid.UUID, action: Action
) -> SiteContext:
    return await policy.authorize(session, actor, site, action)


async def _load(
    session: AsyncSession, ctx: SiteContext, webhook_id: uuid.UUID, *, for_update: bool = False
) -> WebhookSubscription:
    sub = await webhook_subscriptions.get(session, ctx.site_id, webhook_id, for_update=for_update)
    if sub is None:  # another site's subscription is as unknown as a missing one
        raise WebhookNotFound(f"No webhook subscription {webhook_id} in this site.")
    return sub


async def _secrets(session: AsyncSession, sub: WebhookSubscription) -> list[WebhookSecret]:
    return (await repository.secrets_of(session, [sub.id], now=datetime.now(UTC)))[sub.id]


async def _new_secret(
    session: AsyncSession, sub: WebhookSubscription, box: SecretBox
) -> tuple[WebhookSecret, str]:
    plain = generate_secret()
    row = WebhookSecret(subscription_id=sub.id, secret_encrypted=box.encrypt(plain))
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row, plain


# ---------------------------------------------------------------------------------------------
# Subscriptions


async def create(
    session: AsyncSession,
    actor: Actor,
    site: str,
    body: WebhookCreate,
    *,
    box: SecretBox,
    production: bool,
) -> tuple[WebhookRead, str]:
    """The new subscription and its secret in plain text (to show once)."""
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_WRITE)
    _check_url(body.url, production=production)
    await _check_scope(session, ctx.site_id, body.scope)
    sub = WebhookSubscription(
        site_id=ctx.site_id,
        name=body.name,
        description=body.description,
        url=body.url,
        event_types=[t.value for t in body.event_types],
        scope_kind=body.scope.kind.value,
        scope_ids=list(body.scope.ids),
        include_subtree=body.scope.include_subtree,
        enabled=body.enabled,
        integration_client_id=body.integration_client_id,
        max_concurrency=body.max_concurrency,
        rate_limit_per_second=body.rate_limit_per_second,
        created_by=actor.user_id,
    )
    session.add(sub)
    await session.flush()
    await session.refresh(sub)
    secret, plain = await _new_secret(session, sub, box)
    read = to_read(sub, [secret])
    await audit.record(session, actor, ctx.site_id, ENTITY, sub.id, "created", after=read)
    return read, plain


async def list_webhooks(
    session: AsyncSession, actor: Actor, site: str, *, pagination: PaginationParams
) -> tuple[list[WebhookRead], int]:
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_READ)
    subs, total = await paginate(
        session, webhook_subscriptions.list_statement(ctx.site_id), pagination
    )
    secrets = await repository.secrets_of(session, [s.id for s in subs], now=datetime.now(UTC))
    return [to_read(s, secrets[s.id]) for s in subs], total


async def get(session: AsyncSession, actor: Actor, site: str, webhook_id: uuid.UUID) -> WebhookRead:
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_READ)
    sub = await _load(session, ctx, webhook_id)
    return to_read(sub, await _secrets(session, sub))


async def update(
    session: AsyncSession,
    actor: Actor,
    site: str,
    webhook_id: uuid.UUID,
    body: WebhookUpdate,
    *,
    if_match: str | None,
    production: bool,
) -> WebhookRead:
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_WRITE)
    sub = await _load(session, ctx, webhook_id, for_update=True)
    check_if_match(if_match, sub.version)
    changes = body.model_dump(exclude_unset=True)
    nullable = {"integration_client_id", "rate_limit_per_second"}
    for name, value in changes.items():
        if value is None and name not in nullable:
            raise UnprocessableEntity(
                f"{name} cannot be null.",
                errors=[FieldError(loc=["body", name], msg="cannot be null", type="null")],
            )
    before = to_read(sub, await _secrets(session, sub))
    if body.url is not None:
        _check_url(body.url, production=production)
        sub.url = body.url
    if body.scope is not None:
        await _check_scope(session, ctx.site_id, body.scope)
        sub.scope_kind = body.scope.kind.value
        sub.scope_ids = list(body.scope.ids)
        sub.include_subtree = body.scope.include_subtree
    if body.event_types is not None:
        sub.event_types = [t.value for t in body.event_types]
    for name in ("name", "description", "max_concurrency"):
        if name in changes:
            setattr(sub, name, changes[name])
    for name in nullable & changes.keys():
        setattr(sub, name, changes[name])
    if body.enabled is not None and body.enabled != sub.enabled:
        sub.enabled = body.enabled
        if body.enabled:  # switched back on by a person: the failure history starts afresh
            sub.disabled_reason, sub.disabled_at, sub.failing_since = None, None, None
        else:
            sub.disabled_reason, sub.disabled_at = "disabled by a site admin", datetime.now(UTC)
    sub.version += 1
    await session.flush()
    await session.refresh(sub)
    after = to_read(sub, await _secrets(session, sub))
    await audit.record(
        session, actor, ctx.site_id, ENTITY, sub.id, "updated", before=before, after=after
    )
    return after


async def delete(session: AsyncSession, actor: Actor, site: str, webhook_id: uuid.UUID) -> None:
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_WRITE)
    sub = await _load(session, ctx, webhook_id, for_update=True)
    before = to_read(sub, await _secrets(session, sub))
    await session.delete(sub)
    await session.flush()
    await audit.record(session, actor, ctx.site_id, ENTITY, webhook_id, "deleted", before=before)


async def rotate_secret(
    session: AsyncSession,
    actor: Actor,
    site: str,
    webhook_id: uuid.UUID,
    body: RotateSecret,
    *,
    box: SecretBox,
) -> tuple[WebhookRead, str]:
    """A new secret (returned once); the current ones sign until the grace period ends."""
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_WRITE)
    sub = await _load(session, ctx, webhook_id, for_update=True)
    before = to_read(sub, await _secrets(session, sub))
    await repository.expire_secrets(session, sub.id, at=datetime.now(UTC) + body.grace_period)
    _, plain = await _new_secret(session, sub, box)
    sub.version += 1
    await session.flush()
    await session.refresh(sub)
    after = to_read(sub, await _secrets(session, sub))
    await audit.record(
        session, actor, ctx.site_id, ENTITY, sub.id, "secret_rotated", before=before, after=after
    )
    return after, plain


async def send_test_event(
    session: AsyncSession, actor: Actor, site: str, webhook_id: uuid.UUID
) -> str:
    """Queue a ``webhook.ping`` for this subscription only; returns the event id."""
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_WRITE)
    sub = await _load(session, ctx, webhook_id)
    if not sub.enabled:
        raise WebhookDisabled("Enable the subscription before sending it a test event.")
    event = make_event(
        EventType.WEBHOOK_PING, PingData(site=site_ref(ctx.site), subscription_id=sub.id)
    )
    await outbox.enqueue(session, event)
    await audit.record(
        session, actor, ctx.site_id, ENTITY, sub.id, "test_event_sent", after={"event_id": event.id}
    )
    return str(event.id)


# ---------------------------------------------------------------------------------------------
# Deliveries and attempts


async def list_deliveries(
    session: AsyncSession,
    actor: Actor,
    site: str,
    webhook_id: uuid.UUID,
    *,
    filters: DeliveryFilter,
    pagination: PaginationParams,
) -> tuple[list[WebhookDelivery], int]:
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_READ)
    sub = await _load(session, ctx, webhook_id)
    if filters.since and filters.until and filters.until <= filters.since:
        raise UnprocessableEntity(
            "until must be after since.",
            errors=[FieldError(loc=["query", "until"], msg="must be after since", type="period")],
        )
    return await paginate(
        session,
        webhook_deliveries.deliveries_statement(
            sub.id,
            status=filters.status.value if filters.status is not None else None,
            event_type=filters.event_type.value if filters.event_type is not None else None,
            since=filters.since,
            until=filters.until,
        ),
        pagination,
    )


async def list_attempts(
    session: AsyncSession,
    actor: Actor,
    site: str,
    webhook_id: uuid.UUID,
    delivery_id: uuid.UUID,
    *,
    pagination: PaginationParams,
) -> tuple[list[WebhookAttempt], int]:
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_READ)
    sub = await _load(session, ctx, webhook_id)
    if await webhook_deliveries.get(session, sub.id, delivery_id) is None:
        raise DeliveryNotFound(f"No delivery {delivery_id} of this subscription.")
    return await paginate(session, webhook_attempts.statement(delivery_id), pagination)


async def redeliver(
    session: AsyncSession, actor: Actor, site: str, webhook_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_WRITE)
    sub = await _load(session, ctx, webhook_id)
    if not await webhook_deliveries.redeliver(session, sub.id, delivery_id):
        if await webhook_deliveries.get(session, sub.id, delivery_id) is None:
            raise DeliveryNotFound(f"No delivery {delivery_id} of this subscription.")
        raise DeliveryPending("The delivery is still being attempted; wait for it to finish.")
    delivery = await webhook_deliveries.get(session, sub.id, delivery_id)
    assert delivery is not None
    await session.refresh(delivery)
    await audit.record(session, actor, ctx.site_id, "webhook_delivery", delivery_id, "redelivered")
    return delivery


async def redeliver_failed(
    session: AsyncSession, actor: Actor, site: str, webhook_id: uuid.UUID, *, since: datetime
) -> int:
    ctx = await _authorized(session, actor, site, Action.WEBHOOK_WRITE)
    sub = await _load(session, ctx, webhook_id)
    count = await webhook_deliveries.redeliver_failed(session, sub.id, since=since)
    await audit.record(
        session, actor, ctx.site_id, ENTITY, sub.id, "failed_redelivered",
        after={"since": since.isoformat(), "count": count},
    )  # fmt: skip
    return count
