"""The part of the platform's event envelope this integration reads.

Unknown fields are ignored on purpose: the platform may add fields to events at any time.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ReservationRef(_Lenient):
    id: uuid.UUID
    status: str
    parameters: dict[str, Any] = Field(default_factory=dict)


class ResourceRef(_Lenient):
    id: uuid.UUID
    name: str
    attributes: dict[str, Any] = Field(default_factory=dict)


class ReservationPayload(_Lenient):
    reservation: ReservationRef
    resource: ResourceRef


class Envelope(_Lenient):
    id: str
    type: str
    data: dict[str, Any]
