"""When the next attempt is due: the configured schedule with jitter, or the receiver's
``Retry-After``."""

from __future__ import annotations

import email.utils
import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

__all__ = ["parse_retry_after", "retry_delay"]


def retry_delay(
    attempt: int, schedule: Sequence[timedelta], *, jitter: float, rng: random.Random
) -> timedelta | None:
    """Delay before the next attempt once ``attempt`` attempts failed; None when none is left."""
    if attempt > len(schedule):
        return None
    return schedule[attempt - 1] * (1 + rng.uniform(-jitter, jitter))


def parse_retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """Seconds or an HTTP date (RFC 9110); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))
