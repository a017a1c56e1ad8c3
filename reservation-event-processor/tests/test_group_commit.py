"""Group commit: what arrives while a batch is written goes into the next one; each caller gets
its own outcome; a cancelled caller cancels nobody else's write."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from reservation_event_processor._group_commit import GroupCommit


class Recorder:
    def __init__(self, fail_on: set[int] | None = None) -> None:
        self.batches: list[list[int]] = []
        self.release = asyncio.Event()
        self.release.set()
        self.fail_on = fail_on or set()

    async def write(self, batch: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(batch))
        await self.release.wait()
        if self.fail_on & set(batch):
            raise RuntimeError("refused")
        return [item * 10 for item in batch]


async def test_a_lone_item_is_written_at_once_and_what_waits_goes_in_one_batch() -> None:
    recorder = Recorder()
    commits: GroupCommit[int, int] = GroupCommit(recorder.write, max_batch=100, name="t")
    assert await commits.submit(1) == 10
    recorder.release.clear()
    first = asyncio.create_task(commits.submit(2))
    await asyncio.sleep(0.01)  # the batch [2] is being written
    rest = [asyncio.create_task(commits.submit(i)) for i in range(3, 8)]
    await asyncio.sleep(0.01)
    recorder.release.set()
    assert await first == 20
    assert [await t for t in rest] == [30, 40, 50, 60, 70]
    assert recorder.batches == [[1], [2], [3, 4, 5, 6, 7]]


async def test_batches_are_capped() -> None:
    recorder = Recorder()
    recorder.release.clear()
    commits: GroupCommit[int, int] = GroupCommit(recorder.write, max_batch=2, name="t")
    tasks = [asyncio.create_task(commits.submit(i)) for i in range(5)]
    await asyncio.sleep(0.01)
    recorder.release.set()
    assert [await t for t in tasks] == [0, 10, 20, 30, 40]
    assert recorder.batches == [[0, 1], [2, 3], [4]]


async def test_a_failed_batch_fails_each_of_its_items_and_the_next_batch_is_written() -> None:
    recorder = Recorder(fail_on={2})
    recorder.release.clear()
    commits: GroupCommit[int, int] = GroupCommit(recorder.write, max_batch=2, name="t")
    tasks = [asyncio.create_task(commits.submit(i)) for i in (1, 2, 3)]
    await asyncio.sleep(0.01)
    recorder.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert [type(r) for r in results[:2]] == [RuntimeError, RuntimeError]
    assert results[2] == 30


async def test_a_cancelled_caller_does_not_cancel_the_others_write() -> None:
    recorder = Recorder()
    recorder.release.clear()
    commits: GroupCommit[int, int] = GroupCommit(recorder.write, max_batch=100, name="t")
    leader = asyncio.create_task(commits.submit(1))
    other = asyncio.create_task(commits.submit(2))
    await asyncio.sleep(0.01)
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    recorder.release.set()
    assert await other == 20
    assert recorder.batches == [[1, 2]]
