from __future__ import annotations

import json
import uuid
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from reservation_be.kit.schemas import InputSchema, Schema
from reservation_be.kit.types import JsonObject, Text
from reservation_be.reservations.schemas import Provisioning

MAX_DETAILS_BYTES = 16 * 1024


class ReportedState(StrEnum):
    """What an integration may report (``pending`` is only the initial state)."""

    IN_PROGRESS = "in_progress"
    READY = "ready"
    FAILED = "failed"
    RELEASED = "released"


def _small(details: dict[str, Any]) -> dict[str, Any]:
    if len(json.dumps(details)) > MAX_DETAILS_BYTES:
        raise ValueError(f"must be at most {MAX_DETAILS_BYTES} bytes of JSON")
    return details


class ProvisioningReport(InputSchema):
    state: ReportedState
    message: Annotated[Text, Field(max_length=2000)] = ""
    details: Annotated[JsonObject, AfterValidator(_small)] = Field(
        default_factory=dict, description="e.g. {'port': 'Gi1/0/7', 'vlan': 42}"
    )


class ProvisioningRead(Schema):
    reservation_id: uuid.UUID
    provisioning: Provisioning
    version: int
