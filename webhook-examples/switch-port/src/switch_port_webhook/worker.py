"""Switch work happens here, after the webhook has answered.

One queue and one worker per switch: jobs for the same switch run one at a time, in arrival
order (a read-then-change sequence is never interleaved with another), while different switches
proceed in parallel. The SSH session itself runs in a thread so the event loop stays free.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from .driver import SwitchDriver, SwitchError
from .ios import short_interface
from .provisioning import Outcome, provision, release
from .reporting import Reporter
from .settings import Settings
from .validation import Provision, Refused, Release

__all__ = ["Job", "SwitchWorkers"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    request: Provision | Release
    event_id: str


class SwitchWorkers:
    def __init__(self, settings: Settings, driver: SwitchDriver, reporter: Reporter) -> None:
        self._settings = settings
        self._driver = driver
        self._reporter = reporter
        self._queues: dict[str, asyncio.Queue[Job]] = {
            name: asyncio.Queue(maxsize=settings.queue_size) for name in settings.switches
        }
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(name, queue), name=f"switch-{name}")
            for name, queue in self._queues.items()
        ]

    async def stop(self, *, grace_seconds: float = 0.0) -> None:
        """Finish queued jobs for up to ``grace_seconds`` (they were acknowledged), then stop."""
        try:
            await asyncio.wait_for(self.join(), timeout=grace_seconds)
        except TimeoutError:
            left = sum(queue.qsize() for queue in self._queues.values())
            logger.error("stopping with %d switch jobs not done", left)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    def submit(self, job: Job) -> bool:
        """Queue a job; False when that switch's queue is full."""
        try:
            self._queues[job.request.target.switch].put_nowait(job)
        except asyncio.QueueFull:
            return False
        return True

    async def join(self) -> None:
        """Wait until every queued job is done (tests, graceful shutdown)."""
        for queue in self._queues.values():
            await queue.join()

    async def _run(self, name: str, queue: asyncio.Queue[Job]) -> None:
        while True:
            job = await queue.get()
            try:
                await self._handle(job)
            except Exception:  # one bad job must not stop the switch's worker
                logger.exception("job for event %s on switch %s crashed", job.event_id, name)
            finally:
                queue.task_done()

    async def _handle(self, job: Job) -> None:
        request = job.request
        target = request.target
        if isinstance(request, Provision):
            port = short_interface(target.interface)
            self._reporter.report(
                request.reservation_id,
                "in_progress",
                f"putting port {port} on VLAN {request.vlan_id}",
                {"switch": target.switch, "port": port, "vlan": request.vlan_id},
            )
        try:
            outcome = await asyncio.to_thread(self._apply, request)
        except (Refused, SwitchError) as error:
            reason = error.reason if isinstance(error, Refused) else str(error)
            logger.warning("event %s: %s", job.event_id, reason)
            self._reporter.report(request.reservation_id, "failed", reason)
            return
        except Exception as error:
            # Say that it failed, not why in detail: the message reaches users.
            logger.exception("event %s: unexpected error", job.event_id)
            reason = f"unexpected error ({type(error).__name__}); see the integration's log"
            self._reporter.report(request.reservation_id, "failed", reason)
            return
        if outcome.state in ("ready", "released"):
            self._reporter.report(
                request.reservation_id, outcome.state, outcome.message, outcome.details
            )
        else:
            logger.info("event %s: %s", job.event_id, outcome.message)

    def _apply(self, request: Provision | Release) -> Outcome:
        switch = self._settings.switches[request.target.switch]
        with self._driver.session(switch) as session:
            if isinstance(request, Provision):
                return provision(session, request, self._settings)
            return release(session, request, self._settings)
