"""One loop for every long-running task of every service: run a step, wait, run it again.

A step is one pass (a scheduler round, a claim of due deliveries) or one connection's lifetime
(a broker consumer, a ``LISTEN`` connection). It returns how long to wait before the next step
(``None`` or ``0``: go on at once). A step that raises one of ``retry_on`` is logged and retried
after a back-off (tenacity: exponential, with jitter, see :func:`backoff_wait`) that a successful
step resets; with ``catch_all`` any other exception is logged with its traceback and retried too
(a loop that must outlive any surprise); otherwise it ends the loop. Every wait ends early when
``stopping`` (or ``wakeup``) is set, so a stop is prompt and new work is picked up at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_never,
    wait_exponential,
)
from tenacity.wait import wait_base

__all__ = ["backoff_wait", "run_service_loop", "wait_for_any"]


class _Spread(wait_base):
    """``wait`` times a uniform factor in [1 - ``jitter``, 1 + ``jitter``]."""

    def __init__(self, wait: wait_base, jitter: float) -> None:
        self._wait = wait
        self._jitter = jitter

    def __call__(self, retry_state: RetryCallState) -> float:
        return self._wait(retry_state) * random.uniform(1 - self._jitter, 1 + self._jitter)


def backoff_wait(
    initial: float, maximum: float | None = None, *, factor: float = 2.0, jitter: float = 0.2
) -> wait_base:
    """The wait after each failure in a row: ``initial`` seconds, times ``factor`` after each
    further failure, at most ``maximum`` (by default ``initial``: a fixed wait); each wait is
    spread by ±``jitter`` so replicas do not retry in step."""
    top = initial if maximum is None else maximum
    if not 0 <= initial <= top:
        raise ValueError("back-off needs 0 <= initial <= maximum")
    wait = wait_exponential(multiplier=initial, max=top, exp_base=factor)
    return _Spread(wait, jitter) if jitter else wait


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
    backoff: wait_base,
    wakeup: asyncio.Event | None = None,
    catch_all: bool = False,
    describe: Callable[[BaseException], str] = str,
    after_step: Callable[[], None] | None = None,
) -> None:
    """Run ``step`` until ``stopping`` is set (see the module's docstring).

    ``backoff`` is a tenacity wait (see :func:`backoff_wait`); ``wakeup`` is cleared before each
    step and ends a wait early; ``after_step`` runs after every step, successful or not (e.g. to
    say a connection is gone).
    """

    async def attempt() -> float | None:
        if stopping.is_set():  # stopped during a back-off: no further step
            return None
        if wakeup is not None:
            wakeup.clear()
        try:
            return await step()
        finally:
            if after_step is not None:
                after_step()

    def log_failure(state: RetryCallState) -> None:
        assert state.outcome is not None and state.next_action is not None
        exc = state.outcome.exception()
        assert exc is not None
        seconds = state.next_action.sleep
        if isinstance(exc, retry_on):
            logger.warning("%s failed, retrying in %.1f s: %s", name, seconds, describe(exc))
        else:
            logger.error("%s failed, retrying in %.1f s", name, seconds, exc_info=exc)

    async def pause(seconds: float) -> None:
        await wait_for_any(stopping, wakeup, seconds=seconds)

    # Each success ends one retrying run: the next failure starts the back-off afresh.
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(Exception if catch_all else retry_on),
        wait=backoff,
        stop=stop_never,
        sleep=pause,
        before_sleep=log_failure,
        reraise=True,
    )
    while not stopping.is_set():
        wait: float | None = await retrying(attempt)
        if stopping.is_set():
            break
        if wait:
            await wait_for_any(stopping, wakeup, seconds=wait)
