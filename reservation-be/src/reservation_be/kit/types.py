"""Validated value types shared by every schema and query parameter.

What PostgreSQL refuses must be refused here first, as a 422 that names the field, rather than
reach the database and come back as a 500:

* :data:`Text`: a string without NUL (``text`` cannot hold it) and without unpaired UTF-16
  surrogates (they cannot be encoded as UTF-8);
* :data:`JsonObject` / :data:`JsonValue`: free-form JSON that ``jsonb`` accepts: the same string
  rules for keys and values, finite numbers within the range of a double, bounded nesting;
* :data:`Timestamp`: an RFC 3339 instant with an offset, its written year 2000-8999, the one
  time format of every body field and query parameter;
* :data:`Duration` / :data:`OptionalDuration`: ISO 8601 durations in days, hours, minutes and
  seconds only (``P666D``, ``PT36H``), never years or months, whose length depends on the
  calendar.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

__all__ = [
    "DURATION_PATTERN",
    "EARLIEST",
    "LATEST",
    "NO_NUL_PATTERN",
    "TIMESTAMP_PATTERN",
    "Duration",
    "JsonObject",
    "JsonValue",
    "OptionalDuration",
    "Text",
    "Timestamp",
    "check_json",
    "check_text",
    "format_duration",
]

# --- text -------------------------------------------------------------------------------------

NO_NUL_PATTERN = r"^[^\x00]*$"
_SURROGATE = re.compile("[\ud800-\udfff]")


def check_text(value: str) -> str:
    """``value`` unchanged, or ``ValueError`` when PostgreSQL could not store it."""
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\u0000) characters")
    if _SURROGATE.search(value):
        raise ValueError("must not contain unpaired UTF-16 surrogates")
    return value


#: Any string that reaches the database: ``Annotated[Text, Field(max_length=...)]``.
# Lone surrogates never get this far: pydantic refuses them in every ``str`` (string_unicode).
Text = Annotated[str, Field(pattern=NO_NUL_PATTERN)]

# --- JSON -------------------------------------------------------------------------------------

MAX_JSON_DEPTH = 32
# Numbers a double can hold: what every JSON reader agrees on, and far inside jsonb's numeric.
_MAX_NUMBER = 1.7976931348623157e308


def _check_json_value(value: Any, path: str, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise ValueError(f"{path or 'value'}: nested deeper than {MAX_JSON_DEPTH} levels")
    if isinstance(value, str):
        _check_json_text(value, path)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > _MAX_NUMBER:
            raise ValueError(f"{path or 'value'}: number out of range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path or 'value'}: numbers must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{path or 'value'}: object keys must be strings")
            # Escaped, so the message never carries the characters it refuses.
            shown = json.dumps(key)[1:-1]
            where = f"{path}.{shown}" if path else shown
            _check_json_text(key, where, what="key")
            _check_json_value(item, where, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_value(item, f"{path}[{index}]", depth + 1)
    else:
        raise ValueError(f"{path or 'value'}: not a JSON value")


def _check_json_text(value: str, path: str, *, what: str = "string") -> None:
    try:
        check_text(value)
    except ValueError as exc:
        where = f"{path}: " if path else ""
        raise ValueError(f"{where}{what} {exc}") from None


def check_json(value: Any) -> Any:
    """``value`` unchanged if ``jsonb`` can store it, else ``ValueError`` saying where not."""
    _check_json_value(value, "", 0)
    return value


_JSON_DOC = (
    "Free-form JSON: strings without NUL or unpaired surrogates, finite numbers within the range "
    f"of a double, nested at most {MAX_JSON_DEPTH} levels."
)

#: A JSON object ``jsonb`` accepts (attributes, JSON Schemas, provisioning details).
JsonObject = Annotated[dict[str, Any], AfterValidator(check_json), Field(description=_JSON_DOC)]
#: Any JSON value ``jsonb`` accepts.
JsonValue = Annotated[Any, AfterValidator(check_json)]

# --- timestamps -------------------------------------------------------------------------------

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
# RFC 3339 date-time with a mandatory offset; the written year is 2000-8999, so every accepted
# instant (whatever its offset) is a real UTC time with room for lead times and graces.
TIMESTAMP_PATTERN = (
    r"^(2[0-9]{3}|[3-8][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
    r"([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"
)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
_TIMESTAMP_DOC = (
    "RFC 3339 date-time with an offset (2026-05-01T09:00:00Z, 2026-05-01T11:00:00+02:00), "
    "year 2000 to 8999."
)


def _parse_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        if not _TIMESTAMP.match(value):
            raise ValueError(
                "must be an RFC 3339 date-time with an offset, year 2000 to 8999 "
                "(e.g. 2026-05-01T09:00:00Z)"
            )
        try:
            parsed = datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"is not a valid date-time: {exc}") from None
    else:
        raise ValueError("must be an RFC 3339 date-time string")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError("must have an offset (Z or +hh:mm)")
    if not 2000 <= parsed.year <= 8999:
        raise ValueError("must be in the years 2000 to 8999")
    return parsed.astimezone(UTC)


def _rfc3339(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


#: Every instant a client sends, in a body or a query parameter. Normalised to UTC.
Timestamp = Annotated[
    datetime,
    PlainSerializer(_rfc3339, return_type=str, when_used="json"),
    BeforeValidator(_parse_timestamp),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": TIMESTAMP_PATTERN,
            "description": _TIMESTAMP_DOC,
        },
        mode="validation",
    ),
]

# --- durations --------------------------------------------------------------------------------

# Days, hours, minutes and seconds (weeks accepted as 7 days); at least one part.
DURATION_PATTERN = (
    r"^P(?=[0-9]|T[0-9])([0-9]+W)?([0-9]+D)?"
    r"(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]{1,6})?S)?)?$"
)
_DURATION = re.compile(DURATION_PATTERN)
_DURATION_PARTS = re.compile(
    r"^P(?:(?P<w>[0-9]+)W)?(?:(?P<d>[0-9]+)D)?"
    r"(?:T(?:(?P<h>[0-9]+)H)?(?:(?P<m>[0-9]+)M)?(?:(?P<s>[0-9]+(?:\.[0-9]+)?)S)?)?$"
)
MAX_DURATION_SECONDS = 3650 * 86400


def format_duration(value: timedelta) -> str:
    """ISO 8601 in days when whole days, else hours/minutes/seconds: ``P666D``, ``PT36H``."""
    total_us = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    sign = "-" if total_us < 0 else ""
    total_us = abs(total_us)
    if total_us == 0:
        return "PT0S"
    seconds, micro = divmod(total_us, 1_000_000)
    if micro == 0 and seconds % 86400 == 0:
        return f"{sign}P{seconds // 86400}D"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = f"{sign}PT"
    if hours:
        out += f"{hours}H"
    if minutes:
        out += f"{minutes}M"
    if secs or micro:
        out += f"{secs}.{micro:06d}".rstrip("0").rstrip(".") + "S"
    return out


def _parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("must be an ISO 8601 duration or a number of seconds")
    if isinstance(value, int | float):
        if not math.isfinite(value) or abs(value) > MAX_DURATION_SECONDS:
            raise ValueError("must be at most 3650 days")
        return timedelta(seconds=value)
    if isinstance(value, str):
        parts = _DURATION_PARTS.match(value) if _DURATION.match(value) else None
        if parts is None:
            raise ValueError(
                "must be an ISO 8601 duration in days, hours, minutes or seconds "
                "(P7D, PT36H, PT15M), or a number of seconds"
            )
        days = int(parts["w"] or 0) * 7 + int(parts["d"] or 0)
        seconds = int(parts["h"] or 0) * 3600 + int(parts["m"] or 0) * 60
        total = days * 86400 + seconds + float(parts["s"] or 0)
        if total > MAX_DURATION_SECONDS:
            raise ValueError("must be at most 3650 days")
        return timedelta(days=days, seconds=seconds + float(parts["s"] or 0))
    raise ValueError("must be an ISO 8601 duration or a number of seconds")


def _parse_optional_duration(value: Any) -> timedelta | None:
    return None if value is None else _parse_duration(value)


def _format_optional_duration(value: timedelta | None) -> str | None:
    return None if value is None else format_duration(value)


_DURATION_DOC = (
    "ISO 8601 duration in days, hours, minutes and seconds (P7D, PT36H, PT15M; never years or "
    "months), or a number of seconds; at most 3650 days. Returned as whole days (P666D) or "
    "else hours, minutes and seconds (PT36H)."
)
_DURATION_INPUT_SCHEMA: dict[str, Any] = {
    "anyOf": [
        # No "format": "duration": RFC 3339's grammar has no fractions of a second.
        {"type": "string", "pattern": DURATION_PATTERN},
        {"type": "number", "minimum": 0, "maximum": MAX_DURATION_SECONDS},
    ],
    "description": _DURATION_DOC,
}
_DURATION_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^-?P([0-9]+D|T([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)$",
    "description": _DURATION_DOC,
}

#: A length of time, read leniently (ISO 8601 or seconds), written in days or hours only.
Duration = Annotated[
    timedelta,
    BeforeValidator(_parse_duration),
    PlainSerializer(format_duration, return_type=str, when_used="json"),
    WithJsonSchema(_DURATION_INPUT_SCHEMA, mode="validation"),
    WithJsonSchema(_DURATION_OUTPUT_SCHEMA, mode="serialization"),
]
OptionalDuration = Annotated[
    timedelta | None,
    BeforeValidator(_parse_optional_duration),
    PlainSerializer(_format_optional_duration, return_type=str | None, when_used="json"),
    WithJsonSchema({"anyOf": [_DURATION_INPUT_SCHEMA, {"type": "null"}]}, mode="validation"),
    WithJsonSchema({"anyOf": [_DURATION_OUTPUT_SCHEMA, {"type": "null"}]}, mode="serialization"),
]
