from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, TimestampMixin, uuid_pk


class WebhookScopeKind(StrEnum):
    SITE = "site"
    RESOURCE_TYPE = "resource_type"
    RESOURCE = "resource"


class WebhookSubscription(TimestampMixin, Base):
    """A receiver of a site's events.

    Matching (the event processor's fan-out): the event's site is ``site_id``; its type is in
    ``event_types`` (an empty list means every type); and the scope holds: ``site`` matches every
    event of the site, ``resource_type`` an event whose resource type id is in ``scope_ids``,
    ``resource`` an event whose resource id is in ``scope_ids`` or, with ``include_subtree``, one
    of whose ancestors is. ``webhook.ping`` goes only to the subscription it names.
    Disabled subscriptions receive nothing new and their pending deliveries wait.
    """

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (
        CheckConstraint("scope_kind IN ('site', 'resource_type', 'resource')", name="scope_kind"),
        CheckConstraint(
            "scope_kind = 'site' OR cardinality(scope_ids) > 0", name="scope_ids_present"
        ),
        CheckConstraint("max_concurrency BETWEEN 1 AND 100", name="max_concurrency"),
        CheckConstraint(
            "rate_limit_per_second IS NULL OR rate_limit_per_second > 0", name="rate_limit"
        ),
        Index("ix_webhook_subscriptions_site_enabled", "site_id", postgresql_where=text("enabled")),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    site_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, server_default=text("''"))
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(
        ARRAY(String(64)), server_default=text("'{}'::varchar[]")
    )
    scope_kind: Mapped[str] = mapped_column(String(16), server_default=text("'site'"))
    scope_ids: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=text("'{}'::uuid[]")
    )
    include_subtree: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    # The Keycloak client (``azp``) allowed to report provisioning for events it received.
    integration_client_id: Mapped[str | None] = mapped_column(String(255))
    max_concurrency: Mapped[int] = mapped_column(server_default=text("4"))
    rate_limit_per_second: Mapped[int | None]
    # Start of the current run of failed attempts; cleared by any success.
    failing_since: Mapped[datetime | None]
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(server_default=text("1"))
