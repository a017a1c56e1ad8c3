"""The part of the platform's event envelope this integration reads.

Unknown fields are ignored on purpose: the platform may add fields to events at any time.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

LIVE_STATUSES = frozenset({"confirmed", "active"})


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ProvisioningRef(_Lenient):
    state: str


class ReservationRef(_Lenient):
    id: uuid.UUID
    status: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    # Grows with every change of the reservation: orders events that arrive out of order.
    version: int = 0
    provisioning: ProvisioningRef | None = None


class ResourceRef(_Lenient):
    id: uuid.UUID
    name: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class ReservationPayload(_Lenient):
    reservation: ReservationRef
    resource: ResourceRef

    @property
    def is_live(self) -> bool:
        """Booked and not over: the only reservations a port is configured for."""
        return self.reservation.status in LIVE_STATUSES

    @property
    def was_provisioned(self) -> bool:
        """Started, or an integration already began configuring it (the lead time began)."""
        provisioning = self.reservation.provisioning
        return self.reservation.status == "active" or (
            provisioning is not None and provisioning.state in ("in_progress", "ready")
        )


class Envelope(_Lenient):
    id: str
    type: str
    data: dict[str, Any]
