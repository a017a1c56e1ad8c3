"""The webhook endpoint and the hosts' NoCloud seed.

``POST /webhook``: verify (401), parse (400), write a job to the durable queue, answer ``202``;
events this integration does not act on get ``200 {"status": "ignored"}``, a start it refuses
outright ``200 {"status": "refused"}`` and a ``failed`` report.

``GET /seed/{token}/user-data`` (and ``meta-data``): the user-data of the booking that holds
this random token, only while the host is provisioned for it; ``authorized_keys``: the keys of
the booking's team (owner and co-users) as they are now, asked by the host's sshd at each
login. The token changes with every round and is deleted at release, so a host (or anyone)
asking later gets 404.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .driver import HostDriver
from .events import Envelope, ReservationPayload
from .redfish import SushyRedfishDriver
from .reporting import Reporter
from .settings import Settings
from .store import Store
from .worker import Worker

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

RELEASE_EVENTS = frozenset({"reservation.ended", "reservation.cancelled"})
MAX_BODY_BYTES = 256 * 1024


def _problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def default_drivers(settings: Settings) -> dict[str, HostDriver]:
    """The drivers a host may name (``HostConfig.driver``)."""
    return {"redfish": SushyRedfishDriver(timeout_seconds=settings.bmc_timeout_seconds)}


def create_app(
    settings: Settings | None = None,
    *,
    drivers: Mapping[str, HostDriver] | None = None,
    report_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """The receiver. ``drivers`` maps a host's ``driver`` name to its implementation
    (default :func:`default_drivers`)."""
    settings = settings or Settings()  # values from the environment
    drivers = dict(drivers or default_drivers(settings))
    missing = sorted({host.driver for host in settings.hosts.values()} - set(drivers))
    if missing:
        raise ValueError(f"hosts name drivers that are not given: {missing}")
    webhook = Webhook(settings.secret())
    store = Store(settings.state_path)
    reporter = Reporter(settings, store, transport=report_transport)
    worker = Worker(settings, store, drivers, reporter)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not reporter.enabled:
            logger.warning("SERVER_PROV_API_URL is not set: no reports, no state reads")
        reporter.start()
        worker.start()
        try:
            yield
        finally:
            await worker.stop()
            await reporter.stop(grace_seconds=5)
            store.close()

    app = FastAPI(title="server-provisioning webhook", lifespan=lifespan)
    app.state.settings = settings
    app.state.store = store
    app.state.worker = worker
    app.state.reporter = reporter

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/seed/{token}/user-data", response_class=PlainTextResponse)
    @app.get("/seed/{token}/", response_class=PlainTextResponse)
    async def user_data(token: str) -> PlainTextResponse:
        booking = store.booking_by_token(token)
        if booking is None:
            return PlainTextResponse("not found\n", status_code=404)
        return PlainTextResponse(booking.user_data, headers={"Cache-Control": "no-store"})

    @app.get("/seed/{token}/authorized_keys", response_class=PlainTextResponse)
    async def authorized_keys(token: str) -> PlainTextResponse:
        # What the host's sshd asks at every login (AuthorizedKeysCommand): the team's keys
        # as they are now, so a removed co-user is refused at once, and nobody after release.
        booking = store.booking_by_token(token)
        if booking is None:
            return PlainTextResponse("not found\n", status_code=404)
        body = "".join(f"{key}\n" for key in booking.keys)
        return PlainTextResponse(body, headers={"Cache-Control": "no-store"})

    @app.get("/seed/{token}/meta-data", response_class=PlainTextResponse)
    async def meta_data(token: str) -> PlainTextResponse:
        booking = store.booking_by_token(token)
        if booking is None:
            return PlainTextResponse("not found\n", status_code=404)
        body = f"instance-id: {booking.reservation_id}\nlocal-hostname: {booking.host}\n"
        return PlainTextResponse(body, headers={"Cache-Control": "no-store"})

    @app.post("/webhook", status_code=202, response_model=None)
    async def receive(request: Request) -> JSONResponse:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return _problem(413, "Too large", f"at most {MAX_BODY_BYTES} bytes")
        try:
            webhook.verify(body, dict(request.headers), json_parse=False)
        except (WebhookVerificationError, ValueError) as error:
            return _problem(401, "Invalid webhook signature", str(error) or "malformed headers")
        try:
            envelope = Envelope.model_validate(json.loads(body))
        except (ValueError, ValidationError):
            return _problem(400, "Invalid event", "the body is not an event envelope")
        if envelope.type == settings.provision_on:
            kind = "start"
        elif envelope.type in RELEASE_EVENTS:
            kind = "release"
        elif envelope.type == "reservation.updated":
            kind = "update"
        else:
            return JSONResponse({"status": "ignored"}, status_code=200)
        try:
            payload = ReservationPayload.model_validate(envelope.data)
        except ValidationError:
            return JSONResponse(
                {"status": "refused", "reason": "not a reservation event"}, status_code=200
            )
        name = payload.host_name
        if kind == "start" and not (isinstance(name, str) and name in settings.hosts):
            reason = f"host {str(name)[:40]!r} is not managed by this integration"
            reporter.report(payload.reservation.id, "failed", reason)
            return JSONResponse({"status": "refused", "reason": reason}, status_code=200)
        # A release or an update is queued whatever host it names now: the reservation may hold
        # one of ours from before (a move), and the worker gives that back.
        # The event id keys the job: a redelivery of the same event queues nothing twice.
        added = store.add_job(envelope.id, kind, envelope.data)
        worker.wake()
        return JSONResponse({"status": "queued" if added else "duplicate"}, status_code=202)

    return app
