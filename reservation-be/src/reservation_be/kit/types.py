"""Validated value types shared by every schema and query parameter.

What PostgreSQL refuses must be refused here first, as a 422 that names the field, rather than
reach the database and come back as a 500:

* :data:`Text`: a string without NUL (``text`` cannot hold it) and without unpaired UTF-16
  surrogates (they cannot be encoded as UTF-8);
* :data:`JsonObject` / :data:`JsonValue`: free-form JSON that ``jsonb`` accepts: the same string
  rules for keys and values, finite numbers within the range of a double, bounded nesting;
* :data:`Timestamp`: an RFC 3339 instant with an offset, its written year 2000-8999, the one
  time format of every body field and query parameter;
* :data:`TimeZoneName`: an IANA time zone this server knows, listed in the schema;
* :data:`Duration` / :data:`OptionalDuration`: ISO 8601 durations in days, hours, minutes and
  seconds only (``P666D``, ``PT36H``), never years or months, whose length depends on the
  calendar.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import available_timezones

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
    "MAX_DURATION_DAYS",
    "NO_NUL_PATTERN",
    "TIMESTAMP_PATTERN",
    "Duration",
    "JsonObject",
    "JsonValue",
    "OptionalDuration",
    "PositiveOptionalDuration",
    "Text",
    "TimeZoneName",
    "Timestamp",
    "bounded_duration",
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

_NO_NUL_NAMES = {"pattern": NO_NUL_PATTERN}


def _json_value_schema(levels: int) -> dict[str, Any]:
    """A JSON value without NUL in strings and keys, spelled out ``levels`` deep (inline, so
    every schema generator reads it without a shared definition); deeper is any JSON."""
    if levels == 0:
        return {}
    inner = _json_value_schema(levels - 1)
    return {
        "anyOf": [
            {"type": "string", "pattern": NO_NUL_PATTERN},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "null"},
            {"type": "array", "items": inner},
            {"type": "object", "propertyNames": _NO_NUL_NAMES, "additionalProperties": inner},
        ]
    }


_JSON_OBJECT_SCHEMA = {
    "propertyNames": _NO_NUL_NAMES,
    "additionalProperties": _json_value_schema(3),
}

#: A JSON object ``jsonb`` accepts (attributes, JSON Schemas, provisioning details).
JsonObject = Annotated[
    dict[str, Any],
    AfterValidator(check_json),
    Field(
        description=_JSON_DOC,
        json_schema_extra=_JSON_OBJECT_SCHEMA,
    ),
]
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
        if not _TIMESTAMP.match(value) and _TIMESTAMP.match(value.replace(" ", "+")):
            # A "+" left unescaped in a query string arrives as a space.
            raise ValueError("has a space where its offset's + belongs: in a URL write + as %2B")
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

# --- time zones -------------------------------------------------------------------------------


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _check_time_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError(f"unknown IANA time zone {value!r} (e.g. Europe/Rome, UTC)")
    return value


#: An IANA time zone name; the schema lists exactly the zones the validation knows.
TimeZoneName = Annotated[
    str,
    AfterValidator(_check_time_zone),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(_time_zones()),
            "description": "An IANA time zone (Europe/Rome, UTC)",
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


def _at_most(limit: int) -> str:
    """A regular expression for the decimal integers 0..limit, without leading zeros."""
    digits = str(limit)
    options = ["[0-9]"] if len(digits) > 1 else []
    if len(digits) > 2:
        options.append(f"[1-9][0-9]{{1,{len(digits) - 2}}}")
    elif len(digits) == 2:
        options = ["[0-9]"]
    for i, digit in enumerate(digits):
        low = 1 if i == 0 and len(digits) > 1 else 0
        high = int(digit) - 1
        if high >= low:
            rest = len(digits) - i - 1
            tail = f"[0-9]{{{rest}}}" if rest else ""
            options.append(f"{digits[:i]}[{low}-{high}]{tail}")
    options.append(digits)
    return "(" + "|".join(dict.fromkeys(options)) + ")"


_FRACTION = r"(\.[0-9]{1,6})?"
_HOUR = r"(1?[0-9]|2[0-3])"  # below a day
_SIXTY = r"[1-5]?[0-9]"  # below an hour or a minute


def _duration_pattern(max_days: int, *, positive: bool) -> str:
    """Every duration of at most ``max_days``, each written one way only: a single unit up to
    the bound (P3650D, PT36H, P2W), or days then hours, minutes and seconds each below the next
    larger unit (P1DT12H, PT1H30M). A pattern can bound a sum only this way."""
    seconds = max_days * 86400
    hours, minutes = seconds // 3600, seconds // 60
    small_time = f"T(?=[0-9])({_HOUR}H)?({_SIXTY}M)?({_SIXTY}{_FRACTION}S)?"
    forms = [
        f"{_at_most(max_days // 7)}W",
        f"{_at_most(max_days)}D",
        f"{_at_most(max_days - 1)}D{small_time}",
        f"T{_at_most(hours)}H",
        f"T{_at_most(hours - 1)}H(?=[0-9])({_SIXTY}M)?({_SIXTY}{_FRACTION}S)?",
        f"T{_at_most(minutes)}M",
        f"T{_at_most(minutes - 1)}M{_SIXTY}{_FRACTION}S",
        rf"T({_at_most(seconds - 1)}{_FRACTION}|{seconds}(\.0{{1,6}})?)S",
    ]
    nonzero = "(?=.*[1-9])" if positive else ""
    return f"^{nonzero}P({'|'.join(forms)})$"


def _total(value: str) -> timedelta | None:
    parts = _DURATION_PARTS.match(value) if _DURATION.match(value) else None
    if parts is None:
        return None
    days = int(parts["w"] or 0) * 7 + int(parts["d"] or 0)
    seconds = int(parts["h"] or 0) * 3600 + int(parts["m"] or 0) * 60 + float(parts["s"] or 0)
    # Capped far above any bound, inside what timedelta holds.
    return timedelta(days=min(days, 10**8), seconds=min(seconds, 10**13))


def _duration_parser(
    max_days: int, *, positive: bool, pattern: re.Pattern[str]
) -> Callable[[Any], timedelta]:
    bound = timedelta(days=max_days)
    smallest = timedelta(microseconds=1) if positive else timedelta(0)
    range_text = f"{'more than 0' if positive else '0'} to {max_days} days"

    def parse(value: Any) -> timedelta:
        if isinstance(value, timedelta):
            parsed = value
        elif isinstance(value, bool):
            raise ValueError("must be an ISO 8601 duration or a number of seconds")
        elif isinstance(value, int | float):
            if not math.isfinite(value) or not 0 <= value <= bound.total_seconds():
                raise ValueError(f"must be {range_text}")
            parsed = timedelta(seconds=value)
        elif isinstance(value, str):
            if pattern.match(value):
                total = _total(value)
                assert total is not None
                return total
            total = _total(value)
            if total is None:
                raise ValueError(
                    "must be an ISO 8601 duration in weeks, days, hours, minutes or seconds "
                    "(P7D, PT36H, P1DT12H, PT15M), or a number of seconds"
                )
            if not smallest <= total <= bound:
                raise ValueError(f"must be {range_text}")
            raise ValueError(
                "write it as one unit (P2W, P10D, PT36H, PT90M) or as days, then hours below "
                "24, minutes and seconds below 60 (P1DT12H, PT1H30M), without leading zeros"
            )
        else:
            raise ValueError("must be an ISO 8601 duration or a number of seconds")
        if not smallest <= parsed <= bound:
            raise ValueError(f"must be {range_text}")
        return parsed

    return parse


def _duration_doc(max_days: int, positive: bool) -> str:
    return (
        "ISO 8601 duration: one unit (P2W, P10D, PT36H, PT90M) or days, then hours below 24, "
        "minutes and seconds below 60 (P1DT12H, PT1H30M); never years or months. Or a number "
        f"of seconds. {'More than 0' if positive else '0'} to {max_days} days. Returned as whole "
        "days (P666D) or else hours, minutes and seconds (PT36H)."
    )


def _format_optional_duration(value: timedelta | None) -> str | None:
    return None if value is None else format_duration(value)


_DURATION_OUTPUT_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": r"^-?P([0-9]+D|T([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)$",
}


def bounded_duration(max_days: int, *, positive: bool = False, nullable: bool = False) -> Any:
    """A length of time of at most ``max_days`` (more than zero when ``positive``), read as
    ISO 8601 or seconds and written in days or hours; the schema states exactly what is read.
    With ``nullable``, ``null`` is a value too (it clears a limit)."""
    pattern = _duration_pattern(max_days, positive=positive)
    parse = _duration_parser(max_days, positive=positive, pattern=re.compile(pattern))
    doc = _duration_doc(max_days, positive)
    number: dict[str, Any] = {"type": "number", "maximum": max_days * 86400}
    number["minimum"] = 0.000001 if positive else 0
    # No "format": "duration": RFC 3339's grammar has no fractions of a second.
    read: dict[str, Any] = {
        "anyOf": [{"type": "string", "pattern": pattern}, number],
        "description": doc,
    }
    written: dict[str, Any] = {**_DURATION_OUTPUT_SCHEMA, "description": doc}
    if not nullable:
        return Annotated[
            timedelta,
            BeforeValidator(parse),
            PlainSerializer(format_duration, return_type=str, when_used="json"),
            WithJsonSchema(read, mode="validation"),
            WithJsonSchema(written, mode="serialization"),
        ]
    return Annotated[
        timedelta | None,
        BeforeValidator(lambda value: None if value is None else parse(value)),
        PlainSerializer(_format_optional_duration, return_type=str | None, when_used="json"),
        WithJsonSchema(
            {"anyOf": [*read["anyOf"], {"type": "null"}], "description": doc}, mode="validation"
        ),
        WithJsonSchema({"anyOf": [written, {"type": "null"}]}, mode="serialization"),
    ]


MAX_DURATION_DAYS = 3650

if TYPE_CHECKING:  # what the validators return, for the type checker
    Duration = timedelta
    OptionalDuration = timedelta | None
    PositiveOptionalDuration = timedelta | None
else:
    #: A length of time from 0 to 3650 days.
    Duration = bounded_duration(MAX_DURATION_DAYS)
    #: The same, or ``null``.
    OptionalDuration = bounded_duration(MAX_DURATION_DAYS, nullable=True)
    #: More than 0 and at most 3650 days, or ``null`` (a limit that may be cleared).
    PositiveOptionalDuration = bounded_duration(MAX_DURATION_DAYS, positive=True, nullable=True)
