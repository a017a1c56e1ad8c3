"""The provisioning rounds, taken one at a time from the durable queue.

A job never trusts the event that queued it: it reads the reservation as it is now (the
platform, with this integration's token) and provisions only a live reservation still on this
host. Every step is safe to repeat, so a job interrupted by a crash runs again from the start.

Provision: refuse what cannot be done (unknown host, bad key, image not allowed) before the BMC
is touched (an update refused so, of a booking that holds a host, wipes that host first); power
off; store a fresh user-data token and the keys of the booking's team (the owner's and the
co-users') for this booking, which the host's sshd asks for at every login; insert the image and
the seed; boot once from the CD; wait until the host answers on SSH;
report ``ready`` with ``{"host", "address", "port", "user", "login"}``. An update of a running
booking whose team changed (a co-user added or removed) only replaces the stored keys: access
follows at the next login, no reinstall. Any failure: power off,
eject, wipe the user-data, report ``failed``. Release: power off, eject, wipe, ``released``.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Mapping

import httpx
from pydantic import ValidationError

from .driver import BmcError, BootMedia, HostDriver
from .events import ReservationPayload
from .reporting import Reporter, ReportError
from .settings import HostConfig, Settings
from .store import Booking, Store, StoredJob
from .userdata import BadKey, TeamKeys, render_user_data, team_keys

__all__ = ["Refused", "Worker"]

logger = logging.getLogger(__name__)


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Worker:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        drivers: Mapping[str, HostDriver],
        reporter: Reporter,
    ) -> None:
        self._settings = settings
        self._store = store
        self._drivers = dict(drivers)
        self._reporter = reporter
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        requeued = self._store.requeue_running()
        if requeued:
            logger.warning("resuming %d job(s) interrupted by a stop", requeued)
        self._task = asyncio.create_task(self._run(), name="provisioning-worker")
        self._wake.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def join(self) -> None:
        """Wait until the queue is empty (tests)."""
        while self._store.pending():  # noqa: ASYNC110 - the queue is rows, not an event
            await asyncio.sleep(0.1)

    async def _run(self) -> None:
        while True:
            job = self._store.claim()
            if job is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self._handle(job)
                self._store.finish(job.id)
            except Exception:  # one bad job must not stop the worker
                logger.exception("job %d (%s) crashed", job.id, job.kind)
                self._store.finish(job.id, "failed")

    # ---------------------------------------------------------------------------------------

    def _host(self, payload: ReservationPayload) -> tuple[str, HostConfig]:
        name = payload.host_name
        host = self._settings.hosts.get(name) if isinstance(name, str) else None
        if host is None:
            raise Refused(f"host {str(name)[:40]!r} is not managed by this integration")
        return name, host

    async def _current(self, job: StoredJob) -> ReservationPayload | None:
        event = ReservationPayload.model_validate(job.payload)
        if not self._reporter.enabled:
            return event
        try:
            data = await self._reporter.current(job.reservation_id)
        except (ReportError, httpx.TransportError) as error:
            if job.kind == "release":
                return event
            raise Refused(f"the reservation's current state cannot be read ({error})") from error
        return None if data is None else ReservationPayload.model_validate(data)

    async def _handle(self, job: StoredJob) -> None:
        rid = job.reservation_id
        try:
            current = await self._current(job)
        except Refused as refusal:  # fail closed: no host is installed on a guess
            logger.error("job %d: %s", job.id, refusal.reason)
            if job.attempts < self._settings.job_attempts:
                self._store.requeue(job.id)
                await asyncio.sleep(self._settings.poll_seconds)
            return
        except ValidationError:
            logger.error("job %d: the reservation is not in the expected shape", job.id)
            return
        event = ReservationPayload.model_validate(job.payload)
        if job.kind == "release" or current is None or not current.is_live:
            await self._release(rid, event)
            return
        booking = self._store.booking_of_reservation(rid)
        if booking is not None and booking.host != current.host_name:
            # Moved to another host: the old one is powered off and wiped first.
            await self._release(rid, event)
            if current.host_name not in self._settings.hosts:
                return  # moved to a resource some other integration looks after
        if job.kind == "start" or booking is not None:
            await self._provision(rid, current)

    async def _provision(self, rid: uuid.UUID, payload: ReservationPayload) -> None:
        try:
            name, host = self._host(payload)
            team = team_keys(
                payload.owner.ssh_keys, [(c.username, c.ssh_keys) for c in payload.co_users]
            )
            image = payload.reservation.parameters.get("image", self._settings.default_image)
            if not self._settings.image_allowed(image):
                raise Refused(f"image {str(image)[:60]!r} is not an allowed image URL")
        except (Refused, BadKey) as refusal:
            logger.warning("reservation %s: %s", rid, refusal.reason)
            # An update the host cannot follow (a key or an image it refuses): the host the
            # booking holds is not left running with what it had; it is wiped first.
            held = self._store.booking_of_reservation(rid)
            if held is not None and held.host in self._settings.hosts:
                await self._wipe(held.host, self._settings.hosts[held.host])
            self._reporter.report(rid, "failed", refusal.reason)
            return
        held = self._store.booking_of_host(name)
        if held is not None and held.reservation_id != rid:
            self._reporter.report(rid, "failed", f"host {name} is held by another reservation")
            return
        details = {
            "host": name,
            "address": host.address,
            "port": host.ssh_port,
            "user": host.login_user,
            "login": _login_line(host),
        }
        if held is not None and held.state == "ready" and await self._is_up(host):
            # An update of a running booking (a co-user added or removed, a key changed): the
            # host asks for the keys at every login, so changing them here grants or revokes
            # access at once, without a reinstall.
            message = f"{name} is up"
            if held.keys != team.keys:
                self._store.set_booking_keys(name, team.keys)
                message += f"; access now for {_people(payload)}"
            self._reporter.report(rid, "ready", message + _left_out(team), details)
            return
        self._reporter.report(rid, "in_progress", f"installing {name}", {"host": name})
        token = secrets.token_urlsafe(32)
        seed_url = f"{self._settings.public_url.rstrip('/')}/seed/{token}/"
        booking = Booking(
            host=name,
            reservation_id=rid,
            token=token,
            user_data=render_user_data(
                login_user=host.login_user, keys_url=f"{seed_url}authorized_keys", hostname=name
            ),
            state="provisioning",
            keys=team.keys,
        )
        driver = self._drivers[host.driver]
        media = BootMedia(image_url=str(image), seed_url=seed_url, user_data=booking.user_data)
        try:
            await asyncio.to_thread(driver.power_off, host)
            self._store.put_booking(booking)  # a new token: an older seed URL stops working
            await asyncio.to_thread(driver.boot_from_media, host, media)
            await self._wait_for_ssh(host)
        except (BmcError, TimeoutError) as error:
            reason = str(error) or "the host did not come up in time"
            logger.warning("reservation %s on %s: %s", rid, name, reason)
            await self._wipe(name, host)
            self._reporter.report(rid, "failed", reason, {"host": name})
            return
        self._store.set_booking_state(name, "ready")
        message = f"{name} is up: {details['login']}" + _left_out(team)
        self._reporter.report(rid, "ready", message, details)

    async def _release(self, rid: uuid.UUID, event: ReservationPayload) -> None:
        booking = self._store.booking_of_reservation(rid)
        if booking is None:
            logger.info("reservation %s holds no host", rid)
            return
        host = self._settings.hosts.get(booking.host)
        if host is not None:
            try:
                await self._wipe(booking.host, host, strict=True)
            except BmcError as error:
                self._reporter.report(rid, "failed", f"release of {booking.host}: {error}")
                raise
        else:
            self._store.delete_booking(booking.host)
        message = f"{booking.host} powered off and wiped"
        self._reporter.report(rid, "released", message, {"host": booking.host})

    async def _wipe(self, name: str, host: HostConfig, *, strict: bool = False) -> None:
        """Power off, eject, forget the user-data. The user-data goes first: whatever the BMC
        does, the seed URL answers nothing any more."""
        self._store.delete_booking(name)
        driver = self._drivers[host.driver]
        try:
            await asyncio.to_thread(driver.power_off, host)
            await asyncio.to_thread(driver.eject_all, host)
        except BmcError:
            if strict:
                raise
            logger.exception("cleaning up %s failed", name)

    async def _is_up(self, host: HostConfig) -> bool:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host.address, host.ssh_port), timeout=2
            )
        except (OSError, TimeoutError):
            return False
        writer.close()
        await writer.wait_closed()
        return True

    async def _wait_for_ssh(self, host: HostConfig) -> None:
        async with asyncio.timeout(self._settings.boot_timeout_seconds):
            while not await self._is_up(host):  # noqa: ASYNC110 - a remote port, polled
                await asyncio.sleep(self._settings.poll_seconds)


def _people(payload: ReservationPayload) -> str:
    names = [payload.owner.username, *(c.username for c in payload.co_users)]
    return ", ".join(n[:40] for n in names)


def _left_out(team: TeamKeys) -> str:
    return f" (left out: {'; '.join(team.left_out)})" if team.left_out else ""


def _login_line(host: HostConfig) -> str:
    port = "" if host.ssh_port == 22 else f" -p {host.ssh_port}"
    return f"ssh{port} {host.login_user}@{host.address}"
