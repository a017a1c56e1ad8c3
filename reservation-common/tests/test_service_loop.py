"""The one service loop: back-off on failure, reset on success, prompt stop, early wake-up."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

import pytest
from reservation_common.service_loop import Backoff, run_service_loop

LOG = logging.getLogger("test.service_loop")


class Flaky(Exception):
    pass


def test_backoff_doubles_up_to_its_maximum_and_resets() -> None:
    backoff = Backoff(0.2, 1.0, jitter=0)
    assert [backoff.next_wait() for _ in range(5)] == [0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.reset()
    assert backoff.next_wait() == 0.2


def test_backoff_jitter_stays_within_its_spread() -> None:
    backoff = Backoff(1.0, 1.0, jitter=0.2)
    waits = [backoff.next_wait() for _ in range(200)]
    assert all(0.8 <= w <= 1.2 for w in waits)
    assert len(set(waits)) > 100


def test_backoff_refuses_a_nonsense_range() -> None:
    with pytest.raises(ValueError):
        Backoff(2.0, 1.0)


async def test_failures_are_logged_and_retried_with_growing_waits_then_reset(caplog) -> None:
    stopping = asyncio.Event()
    calls: list[float] = []
    outcomes = iter([Flaky("a"), Flaky("b"), None, Flaky("c"), "stop"])
    backoff = Backoff(0.02, 1.0, jitter=0)
    after = 0
    seen: list[float] = []

    async def step() -> float | None:
        calls.append(time.monotonic())
        outcome = next(outcomes)
        if outcome == "stop":
            seen.append(backoff.current)
            stopping.set()
            return None
        if isinstance(outcome, Exception):
            raise outcome
        return None

    def after_step() -> None:
        nonlocal after
        after += 1

    with caplog.at_level(logging.WARNING, logger=LOG.name):
        await asyncio.wait_for(
            run_service_loop(
                step,
                name="test pass",
                logger=LOG,
                stopping=stopping,
                retry_on=(Flaky,),
                backoff=backoff,
                after_step=after_step,
            ),
            timeout=5,
        )
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert len(calls) == 5 and after == 5
    assert gaps[0] >= 0.02 and gaps[1] >= 0.04  # 0.02 then doubled
    assert gaps[3] >= 0.02
    # The success reset the back-off: after the third failure it stands at 0.04, not 0.16.
    assert seen == [0.04]
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "test pass failed, retrying in 0.0 s: a",
        "test pass failed, retrying in 0.0 s: b",
        "test pass failed, retrying in 0.0 s: c",
    ]


async def test_an_unexpected_error_ends_the_loop_unless_catch_all(caplog) -> None:
    stopping = asyncio.Event()

    async def broken() -> float | None:
        raise KeyError("surprise")

    with pytest.raises(KeyError):
        await run_service_loop(
            broken,
            name="strict",
            logger=LOG,
            stopping=stopping,
            retry_on=(Flaky,),
            backoff=Backoff(0.01, 0.01),
        )

    calls = 0

    async def broken_twice() -> float | None:
        nonlocal calls
        calls += 1
        if calls == 3:
            stopping.set()
            return None
        raise KeyError("surprise")

    with caplog.at_level(logging.ERROR, logger=LOG.name):
        await asyncio.wait_for(
            run_service_loop(
                broken_twice,
                name="tolerant",
                logger=LOG,
                stopping=stopping,
                retry_on=(Flaky,),
                backoff=Backoff(0.01, 0.01),
                catch_all=True,
            ),
            timeout=5,
        )
    assert calls == 3
    assert [r.exc_info is not None for r in caplog.records] == [True, True]


async def test_stop_and_wakeup_end_a_long_wait_at_once() -> None:
    stopping, wakeup = asyncio.Event(), asyncio.Event()
    calls = 0

    async def step() -> float | None:
        nonlocal calls
        calls += 1
        return 60.0  # a long idle wait

    loop = asyncio.create_task(
        run_service_loop(
            step,
            name="idle",
            logger=LOG,
            stopping=stopping,
            wakeup=wakeup,
            retry_on=(Flaky,),
            backoff=Backoff(1, 1),
        )
    )
    await asyncio.sleep(0.05)
    assert calls == 1
    wakeup.set()
    await asyncio.sleep(0.05)
    assert calls == 2
    started = time.monotonic()
    stopping.set()
    await asyncio.wait_for(loop, timeout=2)
    assert time.monotonic() - started < 1
    assert calls == 2
