"""The one service loop: back-off on failure, reset on success, prompt stop, early wake-up."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

import pytest
from reservation_common.service_loop import backoff_wait, run_service_loop
from tenacity import RetryCallState
from tenacity.wait import wait_base

LOG = logging.getLogger("test.service_loop")


class Flaky(Exception):
    pass


def _waits(wait: wait_base, failures: int) -> list[float]:
    """The waits after 1, 2, ... ``failures`` failures in a row."""
    state = RetryCallState(retry_object=None, fn=None, args=(), kwargs={})  # type: ignore[arg-type]
    waits = []
    for attempt in range(1, failures + 1):
        state.attempt_number = attempt
        waits.append(wait(state))
    return waits


def test_backoff_doubles_up_to_its_maximum() -> None:
    assert _waits(backoff_wait(0.2, 1.0, jitter=0), 5) == [0.2, 0.4, 0.8, 1.0, 1.0]


def test_backoff_without_a_maximum_is_a_fixed_wait() -> None:
    assert _waits(backoff_wait(1.5, jitter=0), 3) == [1.5, 1.5, 1.5]


def test_backoff_jitter_stays_within_its_spread() -> None:
    waits = _waits(backoff_wait(1.0, 1.0, jitter=0.2), 200)
    assert all(0.8 <= w <= 1.2 for w in waits)
    assert len(set(waits)) > 100


def test_backoff_refuses_a_nonsense_range() -> None:
    with pytest.raises(ValueError):
        backoff_wait(2.0, 1.0)


async def test_failures_are_logged_and_retried_with_growing_waits_then_reset(caplog) -> None:
    stopping = asyncio.Event()
    calls: list[float] = []
    outcomes = iter([Flaky("a"), Flaky("b"), None, Flaky("c"), Flaky("d"), "stop"])
    after = 0

    async def step() -> float | None:
        calls.append(time.monotonic())
        outcome = next(outcomes)
        if outcome == "stop":
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
                backoff=backoff_wait(0.05, 1.0, jitter=0),
                after_step=after_step,
            ),
            timeout=5,
        )
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert len(calls) == 6 and after == 6
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1  # 0.05 then doubled
    # The success reset the back-off: after the next two failures 0.05 and 0.1 again, not 0.2.
    assert gaps[3] >= 0.05 and gaps[4] >= 0.1
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "test pass failed, retrying in 0.1 s: a",
        "test pass failed, retrying in 0.1 s: b",
        "test pass failed, retrying in 0.1 s: c",
        "test pass failed, retrying in 0.1 s: d",
    ]
    assert [round(float(r.args[1]), 2) for r in caplog.records] == [0.05, 0.1, 0.05, 0.1]


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
            backoff=backoff_wait(0.01),
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
                backoff=backoff_wait(0.01),
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
            backoff=backoff_wait(1),
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


async def test_a_stop_during_a_back_off_ends_the_loop_without_another_step() -> None:
    stopping = asyncio.Event()
    calls = 0

    async def failing() -> float | None:
        nonlocal calls
        calls += 1
        raise Flaky("down")

    loop = asyncio.create_task(
        run_service_loop(
            failing,
            name="down",
            logger=LOG,
            stopping=stopping,
            retry_on=(Flaky,),
            backoff=backoff_wait(60),
        )
    )
    await asyncio.sleep(0.05)
    started = time.monotonic()
    stopping.set()
    await asyncio.wait_for(loop, timeout=2)
    assert time.monotonic() - started < 1
    assert calls == 1
