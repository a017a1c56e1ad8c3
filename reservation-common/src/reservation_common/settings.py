"""What every service's settings class shares: the environment, durations, comma lists.

Durations are written the short way (``500ms``, ``5s``, ``15m``, ``2h``, ``1d``), as plain
seconds, or in ISO 8601 (``PT15M``); lists in one environment variable are comma separated
(``RESERVATION_EP_RETRY_SCHEDULE=5s,5m,30m``).
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BeforeValidator, TypeAdapter, ValidationError
from pydantic_settings import NoDecode

from reservation_common.durations import parse_short_duration

__all__ = ["CommaList", "Duration", "DurationList", "Environment", "parse_duration", "split_commas"]


class Environment(StrEnum):
    """``production`` refuses to start with any dev default (each service says which)."""

    DEV = "dev"
    PRODUCTION = "production"


_ISO_OR_SECONDS: TypeAdapter[timedelta] = TypeAdapter(timedelta)


def parse_duration(value: object) -> timedelta:
    """A ``timedelta``, a number of seconds, the short notation or ISO 8601."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str) and (duration := parse_short_duration(value)) is not None:
        return duration
    try:
        return _ISO_OR_SECONDS.validate_python(value)
    except ValidationError:
        raise ValueError(
            f"not a duration: {value!r} (use e.g. 500ms, 5s, 5m, 2h, 1d or PT15M)"
        ) from None


def split_commas(value: object) -> object:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; anything but a string is left to the type."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
CommaList = Annotated[list[str], NoDecode, BeforeValidator(split_commas)]
DurationList = Annotated[list[Duration], NoDecode, BeforeValidator(split_commas)]
