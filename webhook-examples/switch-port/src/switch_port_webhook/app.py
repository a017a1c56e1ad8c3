"""The webhook endpoint: verify, deduplicate, validate, queue, answer at once.

Answers: 401 (bad signature, stale timestamp), 400 (not an event envelope), 503 (queue full: the
platform retries later), otherwise 2xx. A refused event is a 200 with ``"status": "refused"`` and
the reason: retrying it would change nothing, and the reason shows in the delivery's log; a
refused start is also reported to the platform as ``failed``.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from .driver import ScrapliIosDriver, SwitchDriver
from .events import Envelope, ReservationPayload
from .reporting import Reporter
from .settings import Settings
from .validation import Refused, validate_provision, validate_release
from .worker import Job, JobKind, SwitchWorkers

__all__ = ["create_app"]

logger = logging.getLogger(__name__)

RELEASE_EVENTS = frozenset({"reservation.ended", "reservation.cancelled"})
UPDATE_EVENT = "reservation.updated"


def _problem(status: int, title: str, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
        headers=headers or None,
    )


class _SeenIds:
    """The last ``size`` webhook ids: a retried delivery is acknowledged, not redone."""

    def __init__(self, size: int) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._size = size

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._ids

    def add(self, message_id: str) -> None:
        self._ids[message_id] = None
        if len(self._ids) > self._size:
            self._ids.popitem(last=False)

    def discard(self, message_id: str) -> None:
        self._ids.pop(message_id, None)


class _Newest:
    """The newest event seen per reservation (by its ``version``), for the last ``size`` ones.

    Without a platform URL this is the receiver's idea of a reservation's current state: a
    ``reservation.starting`` that arrives after the ``reservation.cancelled`` of the same
    reservation is older, and the cancellation decides.
    """

    def __init__(self, size: int) -> None:
        self._payloads: OrderedDict[uuid.UUID, ReservationPayload] = OrderedDict()
        self._size = size

    def record(self, payload: ReservationPayload) -> None:
        rid = payload.reservation.id
        known = self._payloads.get(rid)
        if known is None or known.reservation.version <= payload.reservation.version:
            self._payloads[rid] = payload
        self._payloads.move_to_end(rid)
        if len(self._payloads) > self._size:
            self._payloads.popitem(last=False)

    def get(self, reservation_id: uuid.UUID) -> ReservationPayload | None:
        return self._payloads.get(reservation_id)


def create_app(
    settings: Settings | None = None,
    *,
    driver: SwitchDriver | None = None,
    report_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    settings = settings or Settings()  # values come from the environment
    webhook = Webhook(settings.webhook_secret.get_secret_value())
    reporter = Reporter(settings, transport=report_transport)
    newest = _Newest(settings.dedupe_size)
    workers = SwitchWorkers(settings, driver or ScrapliIosDriver(), reporter, latest=newest.get)
    seen = _SeenIds(settings.dedupe_size)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if not reporter.enabled:
            logger.warning("SWITCH_PORT_API_URL is not set: no provisioning reports are sent")
        reporter.start()
        workers.start()
        try:
            yield
        finally:
            await workers.stop(grace_seconds=settings.shutdown_grace_seconds)
            await reporter.stop(grace_seconds=settings.shutdown_grace_seconds)

    app = FastAPI(title="switch-port webhook", lifespan=lifespan)
    app.state.settings = settings
    app.state.reporter = reporter
    app.state.workers = workers

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/webhook", status_code=202, response_model=None)
    async def receive(request: Request) -> dict[str, str] | JSONResponse:
        body = await request.body()
        try:
            webhook.verify(body, dict(request.headers), json_parse=False)
        except (WebhookVerificationError, ValueError) as error:
            return _problem(401, "Invalid webhook signature", str(error) or "malformed headers")
        message_id = request.headers["webhook-id"]
        if message_id in seen:
            return JSONResponse({"status": "duplicate"}, status_code=200)
        try:
            envelope = Envelope.model_validate(json.loads(body))
        except (ValueError, ValidationError):
            return _problem(400, "Invalid event", "the body is not an event envelope")
        response = _dispatch(envelope, message_id)
        if response.status_code < 500:
            seen.add(message_id)
        return response

    def _kind(event_type: str) -> JobKind | None:
        if event_type == settings.provision_on:
            return "start"
        if event_type in RELEASE_EVENTS:
            return "release"
        if event_type == UPDATE_EVENT:
            return "update"
        return None

    def _dispatch(envelope: Envelope, message_id: str) -> JSONResponse:
        kind = _kind(envelope.type)
        if kind is None:
            return _answer(200, status="ignored", reason=f"{envelope.type} needs no switch work")
        try:
            payload = ReservationPayload.model_validate(envelope.data)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            reason = f"not a reservation event: data.{where}: {first['msg']}"
            return _answer(200, status="refused", reason=reason)
        newest.record(payload)
        switches: list[str]
        try:
            if kind == "start":
                switches = [validate_provision(payload, settings).target.switch]
            elif kind == "release":
                switches = [validate_release(payload, settings).target.switch]
            else:
                # A change may have moved the reservation off a port on any switch; each
                # switch's worker gives back what the reservation holds there and no longer has.
                switches = workers.switches
        except Refused as refusal:
            logger.warning("event %s refused: %s", envelope.id, refusal.reason)
            if kind == "start":
                reporter.report(payload.reservation.id, "failed", refusal.reason)
            return _answer(200, status="refused", reason=refusal.reason)
        for switch in switches:
            if not workers.submit(Job(kind, switch, payload, envelope.id)):
                return _problem(503, "Busy", "the switch queue is full", **{"Retry-After": "30"})
        logger.info("event %s (%s) queued, webhook-id %s", envelope.id, envelope.type, message_id)
        return _answer(202, status="queued")

    return app


def _answer(status_code: int, **body: str) -> JSONResponse:
    return JSONResponse(body, status_code=status_code)
