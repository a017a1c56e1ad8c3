"""Spacing of a rate-limited subscription's attempts within this process."""

from __future__ import annotations

import time
import uuid

__all__ = ["RateLimiter"]


class RateLimiter:
    """Spaces one subscription's attempts at least 1/rate s apart (within this process)."""

    def __init__(self) -> None:
        self._next: dict[uuid.UUID, float] = {}

    def wait_for_slot(self, key: uuid.UUID, per_second: int | None) -> float:
        """Seconds until ``key``'s next free slot (0 when free now or not limited)."""
        if not per_second:
            return 0.0
        return max(self._next.get(key, 0.0) - time.monotonic(), 0.0)

    def take(self, key: uuid.UUID, per_second: int | None) -> float:
        """Book ``key``'s next free slot; returns the seconds to wait for it."""
        if not per_second:
            return 0.0
        now = time.monotonic()
        at = max(now, self._next.get(key, now))
        self._next[key] = at + 1 / per_second
        return at - now

    def booked_beyond(self, horizon: float) -> list[uuid.UUID]:
        """Subscriptions whose next free slot is more than ``horizon`` s away."""
        limit = time.monotonic() + horizon
        return [key for key, at in self._next.items() if at > limit]
