from __future__ import annotations

import json
import uuid
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import AfterValidator, Field, model_validator

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
    checked_in: bool = Field(
        default=False,
        description="The owner is using the resource (the integration saw them log in, or "
        "traffic on the port): counts as the owner's check-in. With state in_progress or "
        "ready, from 15 minutes before the start until the end of a confirmed or active "
        "booking (409 check-in-refused otherwise). A ready report alone is no check-in.",
    )

    @model_validator(mode="after")
    def _check_in_while_serving(self) -> Self:
        if self.checked_in and self.state not in (ReportedState.IN_PROGRESS, ReportedState.READY):
            raise ValueError("checked_in goes with state in_progress or ready")
        return self


class ProvisioningRead(Schema):
    reservation_id: uuid.UUID
    provisioning: Provisioning
    version: int
