"""One loop for every long-running task of every service: run a step, wait, run it again.

A step is one pass (a scheduler round, a claim of due deliveries) or one connection's lifetime
(a broker consumer, a ``LISTEN`` connection). It returns how long to wait before the next step
(``None`` or ``0``: go on at once). A step that raises one of ``retry_on`` is logged and retried
after an exponential back-off with jitter, which a successful step resets; with ``catch_all`` any
other exception is logged with its traceback and retried too (a loop that must outlive any
surprise); otherwise it ends the loop. Every wait ends early when ``stopping`` (or ``wakeup``) is
set, so a stop is prompt and new work is picked up at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

__all__ = ["Backoff", "run_service_loop", "wait_for_any"]


class Backoff:
    """Exponential back-off: ``initial`` seconds, times ``factor`` after each failure, at most
    ``maximum``; each wait is spread by ±``jitter`` so replicas do not retry in step."""

    def __init__(
        self,
        initial: float,
        maximum: float,
        *,
        factor: float = 2.0,
        jitter: float = 0.2,
        rng: random.Random | None = None,
    ) -> None:
        if not 0 <= initial <= maximum:
            raise ValueError("back-off needs 0 <= initial <= maximum")
        self._initial = initial
        self._maximum = maximum
        self._factor = factor
        self._jitter = jitter
        self._uniform = rng.uniform if rng is not None else random.uniform
        self.current = initial

    def reset(self) -> None:
        self.current = self._initial

    def next_wait(self) -> float:
        """The wait before the next attempt (``current`` with jitter); then grow ``current``."""
        wait = self.current
        if self._jitter:
            wait *= self._uniform(1 - self._jitter, 1 + self._jitter)
        self.current = min(self.current * self._factor, self._maximum)
        return float(wait)


async def wait_for_any(*events: asyncio.Event | None, seconds: float) -> None:
    """Return when one of ``events`` is set or after ``seconds``, whichever is first."""
    waits = [asyncio.ensure_future(e.wait()) for e in events if e is not None]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*waits, return_exceptions=True)


async def run_service_loop(
    step: Callable[[], Awaitable[float | None]],
    *,
    name: str,
    logger: logging.Logger,
    stopping: asyncio.Event,
    retry_on: tuple[type[BaseException], ...],
    backoff: Backoff,
    wakeup: asyncio.Event | None = None,
    catch_all: bool = False,
    describe: Callable[[BaseException], str] = str,
    after_step: Callable[[], None] | None = None,
) -> None:
    """Run ``step`` until ``stopping`` is set (see the module's docstring).

    ``wakeup`` is cleared before each step and ends a wait early; ``after_step`` runs after
    every step, successful or not (e.g. to say a connection is gone).
    """
    while not stopping.is_set():
        if wakeup is not None:
            wakeup.clear()
        wait: float | None
        try:
            wait = await step()
            backoff.reset()
        except retry_on as exc:
            logger.warning(
                "%s failed, retrying in %.1f s: %s", name, backoff.current, describe(exc)
            )
            wait = backoff.next_wait()
        except Exception:
            if not catch_all:
                raise
            logger.exception("%s failed, retrying in %.1f s", name, backoff.current)
            wait = backoff.next_wait()
        finally:
            if after_step is not None:
                after_step()
        if stopping.is_set():
            break
        if wait:
            await wait_for_any(stopping, wakeup, seconds=wait)
