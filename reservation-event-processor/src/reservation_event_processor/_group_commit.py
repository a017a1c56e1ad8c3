"""Group commit: what callers hand in while a transaction is being written goes into the next one.

Each caller awaits the outcome of its own item, so its guarantees do not change (a message is
acknowledged, an attempt counts as recorded, only once its transaction committed); only the
number of transactions does. A batch is written by a task of its own, so a caller that is
cancelled while it waits does not cancel the others' transaction. No timer: a batch is whatever
arrived while the previous one was written, so a lone item is written at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

T = TypeVar("T")
R = TypeVar("R")

# Writes a batch; returns one outcome per item, in order: a result, or the exception that item
# failed with (the others may still have succeeded).
Writer = Callable[[Sequence[T]], Awaitable[Sequence[R | BaseException]]]


class GroupCommit(Generic[T, R]):
    def __init__(self, write: Writer[T, R], *, max_batch: int, name: str) -> None:
        self._write = write
        self._max_batch = max_batch
        self._name = name
        self._queue: list[tuple[T, asyncio.Future[R]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Write ``item`` with whatever else is waiting; returns its outcome or raises its error."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name=self._name)
        return await future

    async def _drain(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            try:
                outcomes = await self._write([item for item, _ in batch])
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                for _, future in self._queue:
                    future.cancel()
                self._queue.clear()
                raise
            except Exception as exc:  # every item of the batch failed with it
                outcomes = [exc] * len(batch)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the caller was cancelled
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
