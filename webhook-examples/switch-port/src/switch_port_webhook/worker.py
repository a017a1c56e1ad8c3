"""Switch work happens here, after the webhook has answered.

One queue and one worker per switch: jobs for the same switch run one at a time, in arrival
order (a read-then-change sequence is never interleaved with another), while different switches
proceed in parallel. The SSH session itself runs in a thread so the event loop stays free.

A job does not trust the event that queued it: events can arrive late and out of order (a
``reservation.starting`` delivered after the reservation was cancelled, or after it moved to
another port). Before touching the switch the job reads the reservation as it is now (from the
platform with this integration's token, or, without a platform URL, the newest event seen for
it) and makes the switch match that: the reservation's current port on its VLAN while it is
live, every other port that carries its marker given back.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import httpx
from pydantic import ValidationError

from .driver import SwitchDriver, SwitchError
from .events import ReservationPayload
from .ios import short_interface
from .provisioning import Outcome, held_ports, provision, release
from .reporting import Reporter, ReportError
from .settings import Settings
from .validation import PortTarget, Provision, Refused, Release, validate_provision

__all__ = ["Job", "JobKind", "SwitchWorkers"]

logger = logging.getLogger(__name__)

# start: configure the reservation's port. update: the reservation changed; follow a move of a
# port already configured. release: give back every port the reservation holds.
JobKind = Literal["start", "update", "release"]


@dataclass(frozen=True)
class Job:
    kind: JobKind
    switch: str
    payload: ReservationPayload
    event_id: str

    @property
    def reservation_id(self) -> uuid.UUID:
        return self.payload.reservation.id


@dataclass(frozen=True)
class _Plan:
    """What one job does on its switch, decided before the session opens."""

    desired: Provision | None  # the port to configure here, if any
    provision_now: bool  # False for an update: configure only when the old port was held
    refusal: str | None = None


Latest = Callable[[uuid.UUID], ReservationPayload | None]


class SwitchWorkers:
    def __init__(
        self,
        settings: Settings,
        driver: SwitchDriver,
        reporter: Reporter,
        *,
        latest: Latest | None = None,
    ) -> None:
        self._settings = settings
        self._driver = driver
        self._reporter = reporter
        self._latest = latest or (lambda _: None)
        self._queues: dict[str, asyncio.Queue[Job]] = {
            name: asyncio.Queue(maxsize=settings.queue_size) for name in settings.switches
        }
        self._tasks: list[asyncio.Task[None]] = []
        # Jobs queued or running on any switch; a job may queue another on a second switch.
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def switches(self) -> list[str]:
        return list(self._queues)

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
            self._queues[job.switch].put_nowait(job)
        except asyncio.QueueFull:
            return False
        self._pending += 1
        self._idle.clear()
        return True

    async def join(self) -> None:
        """Wait until every queued job is done (tests, graceful shutdown)."""
        await self._idle.wait()

    async def _run(self, name: str, queue: asyncio.Queue[Job]) -> None:
        while True:
            job = await queue.get()
            try:
                await self._handle(job)
            except Exception:  # one bad job must not stop the switch's worker
                logger.exception("job for event %s on switch %s crashed", job.event_id, name)
            finally:
                queue.task_done()
                self._pending -= 1
                if self._pending == 0:
                    self._idle.set()

    async def _current(self, job: Job) -> ReservationPayload | None:
        """The reservation as it is now; None when the platform no longer shows it to us."""
        newest = self._latest(job.reservation_id) or job.payload
        if not self._reporter.enabled:
            return newest
        try:
            data = await self._reporter.current(job.reservation_id)
        except (ReportError, httpx.TransportError) as error:
            # The platform cannot answer now: the newest event seen still orders late ones.
            logger.warning(
                "event %s: reading reservation %s failed (%s); going by the newest event",
                job.event_id,
                job.reservation_id,
                error,
            )
            return newest
        if data is None:
            return None
        return ReservationPayload.model_validate(data)

    def _plan(self, job: Job, current: ReservationPayload | None) -> _Plan:
        if job.kind == "release" or current is None or not current.is_live:
            return _Plan(desired=None, provision_now=False)
        try:
            desired = validate_provision(current, self._settings)
        except Refused as refusal:
            return _Plan(desired=None, provision_now=False, refusal=refusal.reason)
        if desired.target.switch != job.switch:
            if job.kind == "start":  # a stale start: the reservation is on another switch now
                self.submit(Job("start", desired.target.switch, current, job.event_id))
            return _Plan(desired=None, provision_now=False)
        # An update configures the new port only once the old one was due: the reservation
        # started, or its provisioning began (a move inside the lead time). Otherwise the
        # start event will come.
        return _Plan(desired=desired, provision_now=job.kind == "start" or current.was_provisioned)

    async def _handle(self, job: Job) -> None:
        rid = job.reservation_id
        try:
            current = await self._current(job)
        except ValidationError as error:
            # Fail closed: without the current state a start could configure a port for a
            # reservation that is over. A release needs no state: giving back is always safe.
            if job.kind != "release":
                logger.error("event %s: cannot read reservation %s: %s", job.event_id, rid, error)
                return
            current = None
        if current is not None and job.kind != "release" and not current.is_live:
            logger.info(
                "event %s: reservation %s is %s, its port is not configured",
                job.event_id,
                rid,
                current.reservation.status,
            )
        plan = self._plan(job, current)
        if plan.refusal is not None and job.kind == "start":
            logger.warning("event %s: %s", job.event_id, plan.refusal)
            self._reporter.report(rid, "failed", plan.refusal)
        if plan.desired is not None and plan.provision_now:
            port = short_interface(plan.desired.target.interface)
            vlan = plan.desired.vlan_id
            self._reporter.report(
                rid,
                "in_progress",
                f"putting port {port} on VLAN {vlan}",
                {"switch": job.switch, "port": port, "vlan": vlan},
            )
        try:
            outcomes = await asyncio.to_thread(self._apply, job, plan)
        except (Refused, SwitchError) as error:
            reason = error.reason if isinstance(error, Refused) else str(error)
            logger.warning("event %s: %s", job.event_id, reason)
            if job.kind != "update" or plan.desired is not None:
                self._reporter.report(rid, "failed", reason)
            return
        except Exception as error:
            # Say that it failed, not why in detail: the message reaches users.
            logger.exception("event %s: unexpected error", job.event_id)
            reason = f"unexpected error ({type(error).__name__}); see the integration's log"
            self._reporter.report(rid, "failed", reason)
            return
        if plan.refusal is not None and job.kind == "update" and outcomes:
            # Its port was given back: the changed reservation asks for something refused.
            logger.warning("event %s: %s", job.event_id, plan.refusal)
            self._reporter.report(rid, "failed", plan.refusal)
            return
        for outcome in outcomes:
            if outcome.state == "released" and plan.desired is not None:
                # A move: the old port is given back, the reservation itself goes on.
                logger.info("event %s: %s (moved)", job.event_id, outcome.message)
            elif outcome.state in ("ready", "released"):
                self._reporter.report(rid, outcome.state, outcome.message, outcome.details)
            else:
                logger.info("event %s: %s", job.event_id, outcome.message)

    def _apply(self, job: Job, plan: _Plan) -> list[Outcome]:
        rid = job.reservation_id
        switch = self._settings.switches[job.switch]
        outcomes: list[Outcome] = []
        with self._driver.session(switch) as session:
            held = held_ports(session, rid)
            keep = plan.desired.target.interface if plan.desired is not None else None
            for interface in held:
                if interface != keep and interface in switch.ports:
                    request = Release(rid, PortTarget(job.switch, interface))
                    outcomes.append(release(session, request, self._settings))
            if plan.desired is not None and (plan.provision_now or held):
                outcomes.append(provision(session, plan.desired, self._settings))
            if not outcomes and job.kind == "release":
                outcomes.append(Outcome("unchanged", f"reservation {rid} holds no port here"))
        return outcomes
