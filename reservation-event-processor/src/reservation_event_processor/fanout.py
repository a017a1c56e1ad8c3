"""Fan-out: one delivery row per (event, matching subscription), created at most once.

The statement is idempotent (``ON CONFLICT (event_id, subscription_id) DO NOTHING``), so an event
the broker redelivers after a crash creates nothing twice. Matching rules are documented on
``reservation_db.models.webhook_subscription.WebhookSubscription``.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from reservation_common.events import (
    DATA_MODELS,
    Event,
    PingData,
    ReservationEventData,
    ResourceEventData,
)
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["InvalidEvent", "MatchKeys", "fan_out", "parse_event"]


class InvalidEvent(ValueError):
    """The message is not an event of the catalog; it can never be processed."""


@dataclass(frozen=True)
class MatchKeys:
    site_id: uuid.UUID
    resource_id: uuid.UUID | None = None
    resource_type_id: uuid.UUID | None = None
    ancestor_ids: tuple[uuid.UUID, ...] = ()
    reservation_id: uuid.UUID | None = None
    ping_subscription_id: uuid.UUID | None = None


def parse_event(body: bytes | str) -> tuple[Event, MatchKeys]:
    """Validate the envelope and its ``data`` against the catalog's models."""
    try:
        event = Event.model_validate_json(body)
        data = DATA_MODELS[event.type].model_validate(event.data)
    except (ValidationError, ValueError, KeyError) as exc:
        raise InvalidEvent(str(exc)) from exc
    if isinstance(data, ReservationEventData):
        keys = MatchKeys(
            site_id=data.site.id,
            resource_id=data.resource.id,
            resource_type_id=data.resource.type.id,
            ancestor_ids=tuple(a.id for a in data.resource.path),
            reservation_id=data.reservation.id,
        )
    elif isinstance(data, ResourceEventData):
        keys = MatchKeys(
            site_id=data.site.id,
            resource_id=data.resource.id,
            resource_type_id=data.resource.type.id,
            ancestor_ids=tuple(a.id for a in data.resource.path),
        )
    elif isinstance(data, PingData):
        keys = MatchKeys(site_id=data.site.id, ping_subscription_id=data.subscription_id)
    else:  # pragma: no cover - DATA_MODELS covers every type
        raise InvalidEvent(f"no matching rule for {event.type}")
    return event, keys


_FAN_OUT = text(
    """
    INSERT INTO webhook_deliveries (
        webhook_id, event_id, event_type, subscription_id, site_id, reservation_id, payload,
        status, attempts, next_attempt_at, trace_context
    )
    SELECT 'msg_' || md5(CAST(:event_id AS text) || ':' || s.id::text),
           CAST(:event_id AS text), CAST(:event_type AS text), s.id,
           s.site_id, CAST(:reservation_id AS uuid), :payload, 'pending', 0, now(),
           :trace_context
    FROM webhook_subscriptions s
    WHERE s.site_id = :site_id
      AND s.enabled
      AND CASE
            WHEN CAST(:ping_subscription_id AS uuid) IS NOT NULL
              THEN s.id = CAST(:ping_subscription_id AS uuid)
            ELSE (cardinality(s.event_types) = 0
                  OR CAST(:event_type AS varchar) = ANY (s.event_types))
             AND (s.scope_kind = 'site'
                  OR (s.scope_kind = 'resource_type'
                      AND CAST(:resource_type_id AS uuid) = ANY (s.scope_ids))
                  OR (s.scope_kind = 'resource'
                      AND (CAST(:resource_id AS uuid) = ANY (s.scope_ids)
                           OR (s.include_subtree AND s.scope_ids && :ancestor_ids))))
          END
    ON CONFLICT (event_id, subscription_id) DO NOTHING
    RETURNING id
    """
).bindparams(
    bindparam("payload", type_=JSONB),
    bindparam("trace_context", type_=JSONB(none_as_null=True)),
    bindparam("site_id", type_=UUID(as_uuid=True)),
    bindparam("ancestor_ids", type_=ARRAY(UUID(as_uuid=True))),
)


async def fan_out(
    session: AsyncSession,
    event: Event,
    keys: MatchKeys,
    *,
    trace_context: dict[str, Any] | None = None,
) -> int:
    """Create the deliveries of ``event``; returns how many are new. The caller commits.

    ``trace_context`` (tracing on) is stored with each delivery: the parent of its attempts.
    """
    result = await session.execute(
        _FAN_OUT,
        {
            "event_id": event.id,
            "event_type": str(event.type),
            "reservation_id": keys.reservation_id,
            "payload": json.loads(event.model_dump_json()),
            "site_id": keys.site_id,
            "ping_subscription_id": keys.ping_subscription_id,
            "resource_type_id": keys.resource_type_id,
            "resource_id": keys.resource_id,
            "ancestor_ids": list(keys.ancestor_ids),
            "trace_context": trace_context,
        },
    )
    return len(result.fetchall())
