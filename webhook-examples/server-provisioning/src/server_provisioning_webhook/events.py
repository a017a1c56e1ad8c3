"""The part of the platform's event envelope this integration reads (unknown fields ignored)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LIVE_STATUSES", "CoUserRef", "Envelope", "ReservationPayload"]

LIVE_STATUSES = frozenset({"confirmed", "active"})


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ReservationRef(_Lenient):
    id: uuid.UUID
    status: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    version: int = 0


class ResourceRef(_Lenient):
    id: uuid.UUID
    name: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class OwnerRef(_Lenient):
    username: str
    ssh_keys: list[str] = Field(default_factory=list)


class CoUserRef(_Lenient):
    username: str
    role: str = "attendee"
    ssh_keys: list[str] = Field(default_factory=list)


class ReservationPayload(_Lenient):
    reservation: ReservationRef
    resource: ResourceRef
    owner: OwnerRef
    # The people the owner shares the booking with: their keys get in as the owner's do.
    co_users: list[CoUserRef] = Field(default_factory=list)

    @property
    def is_live(self) -> bool:
        return self.reservation.status in LIVE_STATUSES

    @property
    def host_name(self) -> Any:
        return self.resource.attributes.get("host")


class Envelope(_Lenient):
    id: str
    type: str
    data: dict[str, Any]
