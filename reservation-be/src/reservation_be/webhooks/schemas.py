from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, Field, model_validator
from pydantic.json_schema import SkipJsonSchema
from reservation_common.events import EventType
from reservation_db.models.webhook_delivery import DeliveryStatus
from reservation_db.models.webhook_subscription import WebhookScopeKind

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime
from reservation_be.kit.types import Text, Timestamp, bounded_duration

MAX_SCOPE_IDS = 100
MAX_GRACE = timedelta(days=7)
DEFAULT_GRACE = timedelta(hours=24)


def _check_url(value: str) -> str:
    """Absolute http(s) URL with a host, no credentials, no fragment (https in production is
    checked by the service, which knows the environment)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not carry credentials; the signature authenticates the sender")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    try:
        parts.port  # noqa: B018 - raises on an invalid port
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    return value


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


# http(s), a host (a name or a bracketed IPv6 address), no credentials, no fragment.
URL_PATTERN = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://(\[[0-9A-Fa-f:.]+\]|[^\s/?#@:\[\]\x00]+)"
    r"(:([0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
    r"([/?][^#\s\x00]*)?$"
)
WebhookUrl = Annotated[
    str,
    Field(min_length=8, max_length=2048, pattern=URL_PATTERN, json_schema_extra={"format": "uri"}),
    AfterValidator(_check_url),
]
Name = Annotated[Text, Field(min_length=1, max_length=200)]
Description = Annotated[Text, Field(max_length=4000)]
EventTypes = Annotated[
    list[EventType],
    Field(max_length=len(EventType), description="Empty: every event type"),
    AfterValidator(_unique),
]
ClientId = Annotated[str, Field(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._:@-]+$")]


def _scope_kinds_in_schema(schema: dict[str, Any]) -> None:
    """The rules of ``_consistent`` below, in the schema: exactly one alternative holds."""
    schema["oneOf"] = [
        {
            "description": "All the site's events (kind absent or site): no ids",
            "properties": {
                "kind": {"const": WebhookScopeKind.SITE.value},
                "ids": {"maxItems": 0},
                "include_subtree": {"const": False},
            },
        },
        {
            "description": "The events of some resource types",
            "required": ["kind", "ids"],
            "properties": {
                "kind": {"const": WebhookScopeKind.RESOURCE_TYPE.value},
                "ids": {"minItems": 1},
                "include_subtree": {"const": False},
            },
        },
        {
            "description": "The events of some resources (and their descendants, if asked)",
            "required": ["kind", "ids"],
            "properties": {
                "kind": {"const": WebhookScopeKind.RESOURCE.value},
                "ids": {"minItems": 1},
            },
        },
    ]


class WebhookScope(InputSchema):
    """Which of the site's events: all, those of some resource types, or of some resources."""

    model_config = ConfigDict(**InputSchema.model_config, json_schema_extra=_scope_kinds_in_schema)

    kind: WebhookScopeKind = WebhookScopeKind.SITE
    ids: Annotated[list[uuid.UUID], Field(max_length=MAX_SCOPE_IDS), AfterValidator(_unique)] = (
        Field(default_factory=list)
    )
    include_subtree: bool = Field(
        default=False, description="With kind=resource: also events of their descendants"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.kind is WebhookScopeKind.SITE and self.ids:
            raise ValueError("a site-wide scope takes no ids")
        if self.kind is not WebhookScopeKind.SITE and not self.ids:
            raise ValueError(f"a {self.kind.value} scope needs at least one id")
        if self.include_subtree and self.kind is not WebhookScopeKind.RESOURCE:
            raise ValueError("include_subtree applies to a resource scope only")
        return self


class WebhookCreate(InputSchema):
    name: Name
    description: Description = ""
    url: WebhookUrl
    event_types: EventTypes = Field(default_factory=list)
    scope: WebhookScope = Field(default_factory=WebhookScope)
    enabled: bool = True
    integration_client_id: ClientId | None = Field(
        default=None,
        description="Keycloak client allowed to report provisioning for events it received",
    )
    max_concurrency: Annotated[int, Field(ge=1, le=100)] = 4
    rate_limit_per_second: Annotated[int | None, Field(ge=1, le=10_000)] = None


class WebhookUpdate(InputSchema):
    name: Name | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    url: WebhookUrl | SkipJsonSchema[None] = None
    event_types: EventTypes | SkipJsonSchema[None] = None
    scope: WebhookScope | SkipJsonSchema[None] = None
    enabled: bool | SkipJsonSchema[None] = None
    integration_client_id: ClientId | None = None
    max_concurrency: Annotated[int, Field(ge=1, le=100)] | SkipJsonSchema[None] = None
    rate_limit_per_second: Annotated[int | None, Field(ge=1, le=10_000)] = None


class SecretInfo(Schema):
    """A signing secret's metadata; its value is shown once, when it is made."""

    id: uuid.UUID
    created_at: UTCDatetime
    expires_at: UTCDatetime | None


class WebhookRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    name: str
    description: str
    url: str
    event_types: list[str]
    scope: WebhookScope
    enabled: bool
    disabled_reason: str | None
    disabled_at: UTCDatetime | None
    integration_client_id: str | None
    max_concurrency: int
    rate_limit_per_second: int | None
    failing_since: UTCDatetime | None
    secrets: list[SecretInfo]
    version: int
    created_at: UTCDatetime
    updated_at: UTCDatetime


class WebhookWithSecret(WebhookRead):
    secret: str = Field(
        description="The new signing secret (whsec_...). Shown only in this response: store it."
    )


if TYPE_CHECKING:
    GraceDuration = timedelta
else:
    GraceDuration = bounded_duration(MAX_GRACE.days)


class RotateSecret(InputSchema):
    grace_period: Annotated[
        GraceDuration,
        Field(description="How long the old secret still signs: 0 to 7 days, seconds or PT24H"),
    ] = DEFAULT_GRACE


class PingAccepted(Schema):
    event_id: str


class RedeliverFailed(InputSchema):
    since: Timestamp = Field(description="Failed deliveries created at or after this time")


class RedeliverCount(Schema):
    redelivered: int


class DeliveryRead(Schema):
    id: uuid.UUID
    webhook_id: str
    event_id: str
    event_type: str
    reservation_id: uuid.UUID | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: UTCDatetime | None
    last_attempt_at: UTCDatetime | None
    last_status_code: int | None
    last_error: str | None
    completed_at: UTCDatetime | None
    created_at: UTCDatetime
    payload: dict[str, Any]


class AttemptRead(Schema):
    id: uuid.UUID
    started_at: UTCDatetime
    duration_ms: int
    status_code: int | None
    error: str | None
    response_excerpt: str | None
    response_headers: dict[str, Any]


class DeliveryFilter(Schema):
    status: DeliveryStatus | None = None
    event_type: EventType | None = None
    since: datetime | None = None
    until: datetime | None = None
