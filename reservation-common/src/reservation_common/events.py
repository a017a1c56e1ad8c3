"""The event envelope and payloads every part of the platform agrees on.

Envelope (Standard Webhooks payload shape)::

    {"id": "evt_...", "type": "reservation.started", "timestamp": "2026-...Z", "data": {...}}

``id`` is the event id: stable across relays, retries and redeliveries. The JSON Schemas in
``docs/events/`` are generated from these models and both services test against them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class EventType(StrEnum):
    RESERVATION_CREATED = "reservation.created"
    RESERVATION_UPDATED = "reservation.updated"
    RESERVATION_APPROVED = "reservation.approved"
    RESERVATION_REJECTED = "reservation.rejected"
    RESERVATION_CANCELLED = "reservation.cancelled"
    RESERVATION_STARTING = "reservation.starting"
    RESERVATION_STARTED = "reservation.started"
    RESERVATION_ENDING_SOON = "reservation.ending_soon"
    RESERVATION_ENDED = "reservation.ended"
    RESERVATION_PROVISIONING_CHANGED = "reservation.provisioning_changed"
    RESERVATION_RELEASED = "reservation.released"
    RESERVATION_FAILED = "reservation.failed"
    RESOURCE_CREATED = "resource.created"
    RESOURCE_UPDATED = "resource.updated"
    RESOURCE_DELETED = "resource.deleted"
    RESOURCE_STATUS_CHANGED = "resource.status_changed"
    WEBHOOK_PING = "webhook.ping"
    RESERVATION_SERIES_CREATED = "reservation.series.created"
    RESERVATION_SERIES_UPDATED = "reservation.series.updated"
    RESERVATION_SERIES_CANCELLED = "reservation.series.cancelled"


SERIES_EVENT_TYPES = frozenset(t for t in EventType if t.startswith("reservation.series."))
RESERVATION_EVENT_TYPES = frozenset(
    t for t in EventType if t.startswith("reservation.") and t not in SERIES_EVENT_TYPES
)
RESOURCE_EVENT_TYPES = frozenset(t for t in EventType if t.startswith("resource."))


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Model):
    """Half-open interval [start, end) in UTC."""

    start: AwareDatetime
    end: AwareDatetime


class SiteRef(_Model):
    id: uuid.UUID
    slug: str
    name: str


class ResourceTypeRef(_Model):
    id: uuid.UUID
    name: str


class AncestorRef(_Model):
    id: uuid.UUID
    name: str


class ResourceData(_Model):
    id: uuid.UUID
    name: str
    status: str
    type: ResourceTypeRef
    attributes: dict[str, Any] = Field(default_factory=dict)
    # Ancestors from the root down to the direct parent; subtree-scoped subscriptions match on it.
    path: list[AncestorRef] = Field(default_factory=list)


class OwnerData(_Model):
    id: str  # Keycloak ``sub``
    username: str
    email: str | None = None
    ssh_keys: list[str] = Field(default_factory=list)


class CoUserData(_Model):
    """A site member sharing the reservation: ``attendee``, or ``co-manager`` (may also extend
    or cancel). Integrations grant the co-users' SSH keys access as they do the owner's."""

    id: str  # Keycloak ``sub``
    username: str
    email: str | None = None
    role: str  # attendee | co-manager
    ssh_keys: list[str] = Field(default_factory=list)


class ProvisioningData(_Model):
    state: str  # pending | in_progress | ready | failed
    message: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    updated_at: AwareDatetime | None = None


class ReservationData(_Model):
    id: uuid.UUID
    title: str
    status: str
    period: Period
    parameters: dict[str, Any] = Field(default_factory=dict)
    provisioning: ProvisioningData | None = None
    version: int


class Cause(StrEnum):
    """``data.cause`` of a reservation event that the platform's rules caused."""

    MAINTENANCE = "maintenance"  # cancelled by a blackout (maintenance window) with policy cancel
    IDLE = "idle"  # cancelled: not checked in within the type's check-in time
    RELEASED = "released"  # ended early on request ("release now")
    PROVISIONING_FAILED = "provisioning_failed"  # an integration reported provisioning failed
    UNCONFIRMED = "unconfirmed"  # booked from the waitlist, not confirmed in time


class ReservationEventData(_Model):
    reservation: ReservationData
    resource: ResourceData
    site: SiteRef
    owner: OwnerData
    # Who shares the reservation with the owner; empty when nobody does.
    co_users: list[CoUserData] = Field(default_factory=list)
    # Lifecycle events: when the transition was due and how late it was emitted.
    due_at: AwareDatetime | None = None
    lateness_seconds: float | None = None
    # Status before the change, where the event is a transition.
    previous_status: str | None = None
    # Why the platform (not a person's own request) made the change: see :class:`Cause`.
    cause: Cause | None = None
    request_id: str | None = None


class ResourceEventData(_Model):
    resource: ResourceData
    site: SiteRef
    previous_status: str | None = None
    request_id: str | None = None


class SeriesData(_Model):
    id: uuid.UUID
    title: str
    rrule: str
    time_zone: str
    conflict_mode: str  # all-or-nothing | skip-conflicts
    status: str  # active | cancelled
    version: int


class OccurrenceRef(_Model):
    """One occurrence of a series: an ordinary reservation with events of its own."""

    reservation_id: uuid.UUID
    period: Period
    status: str


class SkippedOccurrence(_Model):
    period: Period
    reason: str  # the problem type slug that refused it, e.g. booking-conflict
    conflicting_reservation_id: uuid.UUID | None = None


class SeriesEventData(_Model):
    """A recurring series was created, changed or cancelled. ``occurrences`` are the ones the
    change touched (every booked one on create); each also emits its own reservation event."""

    series: SeriesData
    resource: ResourceData
    site: SiteRef
    owner_id: str
    # this | following | all, for a change or cancellation.
    scope: str | None = None
    occurrences: list[OccurrenceRef] = Field(default_factory=list)
    skipped: list[SkippedOccurrence] = Field(default_factory=list)
    request_id: str | None = None


class PingData(_Model):
    site: SiteRef
    subscription_id: uuid.UUID
    message: str = "Test event from the reservation platform"


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


class Event(_Model):
    id: str = Field(default_factory=new_event_id)
    type: EventType
    timestamp: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
    data: dict[str, Any]

    def site_id(self) -> uuid.UUID:
        return uuid.UUID(str(self.data["site"]["id"]))


DATA_MODELS: dict[EventType, type[_Model]] = {
    **{t: ReservationEventData for t in RESERVATION_EVENT_TYPES},
    **{t: ResourceEventData for t in RESOURCE_EVENT_TYPES},
    **{t: SeriesEventData for t in SERIES_EVENT_TYPES},
    EventType.WEBHOOK_PING: PingData,
}


def make_event(type_: EventType, data: _Model, *, event_id: str | None = None) -> Event:
    """Build an envelope, checking that ``data`` is the model this type carries."""
    expected = DATA_MODELS[type_]
    if not isinstance(data, expected):
        raise TypeError(f"{type_} carries {expected.__name__}, not {type(data).__name__}")
    payload = data.model_dump(mode="json")
    if event_id is None:
        return Event(type=type_, data=payload)
    return Event(id=event_id, type=type_, data=payload)
