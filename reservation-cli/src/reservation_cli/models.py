"""The API's resources as the CLI reads them, mirroring the backend's OpenAPI components.

``tests/test_models_sync.py`` compares each model here with the component named in
``OPENAPI_NAMES``: same field names, same required fields, same nullability. Enumerations are
plain strings, so a value the backend adds later still parses.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Me(ApiModel):
    id: str
    username: str
    email: str | None
    first_name: str | None
    last_name: str | None
    display_name: str | None
    timezone: str | None
    is_service_account: bool
    created_at: datetime
    is_platform_admin: bool


class Site(ApiModel):
    id: uuid.UUID
    slug: str
    name: str
    description: str
    visibility: str
    version: int
    created_at: datetime
    updated_at: datetime
    my_role: str | None = None
    time_zone: str = "UTC"


class Resource(ApiModel):
    id: uuid.UUID
    site_id: uuid.UUID
    type_id: uuid.UUID
    parent_id: uuid.UUID | None
    name: str
    description: str
    location: str
    attributes: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime
    capacity: int | None = None


class ResourceTreeNode(Resource):
    depth: int


class ResourceType(ApiModel):
    id: uuid.UUID
    site_id: uuid.UUID
    name: str
    color: str
    description: str
    parameters: dict[str, Any]
    lead_time: str
    teardown_grace: str
    max_duration: str | None
    booking_horizon: str | None
    minimum_notice: str
    requires_approval: bool
    created_at: datetime
    updated_at: datetime
    checkin_within: str | None = None
    max_extension: str | None = None
    extension_window: str | None = None
    max_occurrences: int | None = None
    on_provisioning_failure: str = "release"
    capacity: int = 1


class Provisioning(ApiModel):
    state: str
    message: str | None
    details: dict[str, Any]
    updated_at: datetime | None


class Reservation(ApiModel):
    id: uuid.UUID
    site_id: uuid.UUID
    resource_id: uuid.UUID
    owner_id: str
    created_by: str
    title: str
    description: str
    start: datetime
    end: datetime
    status: str
    status_reason: str | None
    parameters: dict[str, Any]
    provisioning: Provisioning
    version: int
    created_at: datetime
    updated_at: datetime
    series_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    checked_in_at: datetime | None = None
    extended_by: str = "PT0S"
    quantity: int = 1


class BusyPeriod(ApiModel):
    resource_id: uuid.UUID
    start: datetime
    end: datetime
    reservation_id: uuid.UUID | None = None
    units: int = 1  # of ``capacity``: a pool is free while the spans hold fewer than it lends
    capacity: int = 1


class SecretInfo(ApiModel):
    id: uuid.UUID
    created_at: datetime
    expires_at: datetime | None


class WebhookScope(ApiModel):
    kind: str = "site"
    ids: list[uuid.UUID] = []
    include_subtree: bool = False


class Webhook(ApiModel):
    id: uuid.UUID
    site_id: uuid.UUID
    name: str
    description: str
    url: str
    event_types: list[str]
    scope: WebhookScope
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    integration_client_id: str | None
    max_concurrency: int
    rate_limit_per_second: int | None
    failing_since: datetime | None
    secrets: list[SecretInfo]
    version: int
    created_at: datetime
    updated_at: datetime


class Delivery(ApiModel):
    id: uuid.UUID
    webhook_id: str
    event_id: str
    event_type: str
    reservation_id: uuid.UUID | None
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    completed_at: datetime | None
    created_at: datetime
    payload: dict[str, Any]


class ImportResult(ApiModel):
    created: int
    items: list[Resource]


class PingAccepted(ApiModel):
    event_id: str


class RedeliverCount(ApiModel):
    redelivered: int


class OidcConfig(ApiModel):
    issuer: str
    audience: str
    cli_client_id: str
    discovery_url: str


class ClientConfig(ApiModel):
    api_version: str
    oidc: OidcConfig


# CLI model -> the OpenAPI component it mirrors.
OPENAPI_NAMES: dict[type[ApiModel], str] = {
    Me: "MeOut",
    Site: "SiteOut",
    Resource: "ResourceRead",
    ResourceTreeNode: "ResourceTreeNode",
    ResourceType: "ResourceTypeRead",
    Provisioning: "Provisioning",
    Reservation: "ReservationRead",
    BusyPeriod: "BusyPeriod",
    SecretInfo: "SecretInfo",
    WebhookScope: "WebhookScope",
    Webhook: "WebhookRead",
    Delivery: "DeliveryRead",
    ImportResult: "ImportResult",
    PingAccepted: "PingAccepted",
    RedeliverCount: "RedeliverCount",
    OidcConfig: "OidcConfig",
    ClientConfig: "ClientConfig",
}
