"""The base schema of every request and response body."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, PlainSerializer


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Naive datetimes are refused (422); aware ones are normalised to UTC.
UTCDatetime = Annotated[
    AwareDatetime,
    AfterValidator(_to_utc),
    PlainSerializer(_rfc3339, return_type=str, when_used="json"),
]


def omitted_default(schema: dict[str, Any]) -> None:
    """``json_schema_extra`` of an input field whose default the server applies: the schema
    shows it as optional without a ``default`` (a generated client may leave it out)."""
    schema.pop("default", None)


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class InputSchema(Schema):
    """Request bodies: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
