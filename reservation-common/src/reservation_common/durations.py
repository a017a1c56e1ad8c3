"""Durations written the short way in settings: ``500ms``, ``5s``, ``15m``, ``2h``, ``1d`` or
plain seconds. Every service reads its environment with the same notation."""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["parse_short_duration"]

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


def parse_short_duration(value: str) -> timedelta | None:
    """The duration ``value`` spells, or ``None`` when it is not in the short notation."""
    match = _DURATION.match(value)
    if match is None:
        return None
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
