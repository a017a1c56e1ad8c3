"""Fan-out: one delivery row per (event, matching subscription), created at most once.

The statement (``reservation_db.repositories.webhook_deliveries.fan_out``) is idempotent, so an
event the broker redelivers after a crash creates nothing twice. Matching rules are documented on
``reservation_db.models.webhook_subscription.WebhookSubscription``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from reservation_common.events import (
    DATA_MODELS,
    Event,
    PingData,
    ReservationEventData,
    ResourceEventData,
)
from reservation_db.repositories import webhook_deliveries
from reservation_db.repositories.webhook_deliveries import FanOutEvent, MatchKeys
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["InvalidEvent", "MatchKeys", "fan_out", "fan_out_many", "parse_event"]


class InvalidEvent(ValueError):
    """The message is not an event of the catalog; it can never be processed."""


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
    return await webhook_deliveries.fan_out(
        session,
        event_id=event.id,
        event_type=str(event.type),
        payload=event.model_dump(mode="json"),
        keys=keys,
        trace_context=trace_context,
    )


async def fan_out_many(
    session: AsyncSession, events: Sequence[tuple[Event, MatchKeys, dict[str, Any] | None]]
) -> dict[str, int]:
    """Create the deliveries of many ``(event, keys, trace_context)`` in one statement; returns
    how many are new per event id. One statement: atomic without a transaction around it."""
    return await webhook_deliveries.fan_out_many(
        session,
        [
            FanOutEvent(
                event_id=event.id,
                event_type=str(event.type),
                payload=event.model_dump(mode="json"),
                keys=keys,
                trace_context=trace_context,
            )
            for event, keys, trace_context in events
        ],
    )
