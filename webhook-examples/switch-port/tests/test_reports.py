"""Provisioning reports reach the platform with this integration's own client-credentials token.

A small FastAPI app on a free loopback port stands in for the backend's
``POST /api/v1/reservations/{id}/provisioning`` and verifies every bearer token against the
test realm with ``reservation_common.auth.TokenVerifier``.
"""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from conftest import Receiver, ReceiverFactory, make_settings, reservation_event
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from reservation_common.auth import InvalidTokenError, TokenVerifier
from reservation_common.events import EventType
from switch_port_webhook import Settings, SimulatedSwitch
from switch_port_webhook.simulator import VlanState

STARTING = EventType.RESERVATION_STARTING
ENDED = EventType.RESERVATION_ENDED
CLIENT_ID = "switch-port-webhook"


@dataclass
class Backend:
    """What the stand-in backend saw, and how it should answer next."""

    url: str = ""
    reports: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # status codes to answer reports first
    requests: int = 0  # reports received
    # The reservations as the platform has them now (an event's data), read by the integration.
    current: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    reads: int = 0

    def states(self) -> list[str]:
        return [r["state"] for r in self.reports]


@asynccontextmanager
async def stand_in_backend(
    seen: Backend, issuer: str, *, discovery_url: str | None = None
) -> AsyncIterator[Backend]:
    verifier = TokenVerifier(issuer, "reservation-api", discovery_url=discovery_url)
    app = FastAPI()

    @app.get("/api/v1/reservations/{reservation_id}/provisioning")
    async def current(reservation_id: uuid.UUID, request: Request) -> JSONResponse:
        seen.reads += 1
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            principal = await verifier.verify(token)
        except InvalidTokenError:
            return JSONResponse({"title": "bad token"}, status_code=401)
        data = seen.current.get(reservation_id)
        if principal.client_id != CLIENT_ID or data is None:
            return JSONResponse({"title": "not found"}, status_code=404)
        return JSONResponse(data)

    @app.post("/api/v1/reservations/{reservation_id}/provisioning")
    async def provisioning(reservation_id: uuid.UUID, request: Request) -> JSONResponse:
        seen.requests += 1
        if seen.answers:
            return JSONResponse({}, status_code=seen.answers.pop(0))
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            principal = await verifier.verify(token)
        except InvalidTokenError:
            return JSONResponse({"title": "bad token"}, status_code=401)
        if principal.client_id != CLIENT_ID:
            return JSONResponse({"title": "wrong client"}, status_code=403)
        seen.tokens.append(token)
        seen.reports.append({"reservation_id": reservation_id, **await request.json()})
        return JSONResponse({}, status_code=200)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    seen.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            assert not task.done(), "the stand-in backend did not start"
            await asyncio.sleep(0.01)
        yield seen
    finally:
        server.should_exit = True
        await task
        await verifier.aclose()
        sock.close()


@pytest.fixture
async def backend(test_realm: Any) -> AsyncIterator[Backend]:
    async with stand_in_backend(Backend(), test_realm.issuer) as seen:
        yield seen


def reporting_settings(switch: SimulatedSwitch, backend: Backend, realm: Any) -> Settings:
    return make_settings(
        switch,
        api_url=backend.url,
        oidc_issuer=realm.issuer,
        client_secret=realm.client_secret(CLIENT_ID),
        report_attempts=3,
    )


@pytest.fixture
async def reporting_receiver(
    switch: SimulatedSwitch,
    backend: Backend,
    test_realm: Any,
    receiver_factory: ReceiverFactory,
) -> Receiver:
    return await receiver_factory(
        reporting_settings(switch, backend, test_realm), platform=backend.current
    )


async def test_start_and_end_are_reported_with_a_valid_service_token(
    switch: SimulatedSwitch, backend: Backend, reporting_receiver: Receiver
) -> None:
    reservation_id = uuid.uuid4()
    await reporting_receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await reporting_receiver.settle()
    await reporting_receiver.send(reservation_event(ENDED, reservation_id=reservation_id))
    await reporting_receiver.settle()

    assert backend.states() == ["in_progress", "ready", "released"]
    assert all(r["reservation_id"] == reservation_id for r in backend.reports)
    ready = backend.reports[1]
    assert ready["details"] == {"switch": "sw1", "port": "Gi1/0/3", "vlan": 142}
    assert ready["message"] == "port Gi1/0/3 on VLAN 142 (sw1)"
    assert backend.reports[2]["details"]["removed_vlan"] == 142
    assert len(set(backend.tokens)) == 1  # fetched once, then cached


async def test_refused_start_is_reported_as_failed_with_the_reason(
    switch: SimulatedSwitch, backend: Backend, reporting_receiver: Receiver
) -> None:
    await reporting_receiver.send(reservation_event(STARTING, vlan_id="42\nreload"))
    await reporting_receiver.settle()
    assert backend.states() == ["failed"]
    assert backend.reports[0]["message"] == "vlan_id must be an integer, got '42\\nreload'"
    assert switch.config_commands == []


async def test_hijack_attempt_is_reported_as_failed(
    switch: SimulatedSwitch, backend: Backend, reporting_receiver: Receiver
) -> None:
    switch.set_port("Gi1/0/3", mode="access", access_vlan=150)
    await reporting_receiver.send(reservation_event(STARTING))
    await reporting_receiver.settle()
    assert backend.states() == ["in_progress", "failed"]
    assert backend.reports[1]["message"] == (
        "port Gi1/0/3 is on VLAN 150, which this integration did not set"
    )
    assert switch.config_commands == []


async def test_unreachable_switch_is_reported_as_failed(
    switch: SimulatedSwitch, backend: Backend, reporting_receiver: Receiver
) -> None:
    await switch.stop()
    await reporting_receiver.send(reservation_event(STARTING))
    await reporting_receiver.settle()
    assert backend.states() == ["in_progress", "failed"]
    assert "cannot connect" in backend.reports[1]["message"]


async def test_transient_backend_errors_are_retried(
    switch: SimulatedSwitch, backend: Backend, reporting_receiver: Receiver
) -> None:
    backend.answers = [503, 502]
    await reporting_receiver.send(reservation_event(STARTING))
    await reporting_receiver.settle()
    assert backend.states() == ["in_progress", "ready"]
    assert backend.requests == 4


async def test_rejected_token_is_fetched_again(
    switch: SimulatedSwitch, backend: Backend, reporting_receiver: Receiver
) -> None:
    backend.answers = [401]
    await reporting_receiver.send(reservation_event(STARTING))
    await reporting_receiver.settle()
    assert backend.states() == ["in_progress", "ready"]


async def test_failed_reports_never_undo_the_switch_work(
    switch: SimulatedSwitch,
    backend: Backend,
    test_realm: Any,
    receiver_factory: ReceiverFactory,
) -> None:
    backend.answers = [500] * 6  # both reports exhaust their 3 attempts
    receiver = await receiver_factory(
        reporting_settings(switch, backend, test_realm), platform=backend.current
    )
    await receiver.send(reservation_event(STARTING))
    await receiver.settle()
    assert backend.reports == []
    assert receiver.app.state.reporter.failed == 2
    assert switch.port_state("Gi1/0/3").access_vlan == 142
    assert switch.saved


async def test_permanent_refusal_is_not_retried(
    switch: SimulatedSwitch, backend: Backend, reporting_receiver: Receiver
) -> None:
    backend.answers = [403]
    await reporting_receiver.send(reservation_event(STARTING))
    await reporting_receiver.settle()
    assert backend.requests == 2  # the refused in_progress once, then ready
    assert backend.states() == ["ready"]


async def test_wrong_client_secret_sends_no_report_but_does_the_work(
    switch: SimulatedSwitch,
    backend: Backend,
    test_realm: Any,
    receiver_factory: ReceiverFactory,
) -> None:
    settings = reporting_settings(switch, backend, test_realm).model_copy(
        update={"client_secret": SecretStr("not-the-secret")}
    )
    receiver = await receiver_factory(settings, platform=backend.current)
    await receiver.send(reservation_event(STARTING))
    await receiver.settle()
    assert backend.requests == 0
    assert switch.port_state("Gi1/0/3").access_vlan == 142


async def test_issuer_reached_at_another_address_than_it_names(
    switch: SimulatedSwitch, receiver_factory: ReceiverFactory
) -> None:
    from reservation_testrealm.server import TestRealm

    # Tokens name a public issuer this machine cannot reach; discovery is read on loopback.
    with TestRealm(public_url="http://sso.invalid") as realm:
        seen = Backend()
        async with stand_in_backend(seen, realm.issuer, discovery_url=realm.local_issuer):
            settings = reporting_settings(switch, seen, realm).model_copy(
                update={"oidc_discovery_url": realm.local_issuer}
            )
            receiver = await receiver_factory(settings, platform=seen.current)
            await receiver.send(reservation_event(STARTING))
            await receiver.settle()
    assert seen.states() == ["in_progress", "ready"]


async def test_vlan_in_use_is_reported_as_failed(
    switch: SimulatedSwitch, backend: Backend, reporting_receiver: Receiver
) -> None:
    switch.running.vlans[142] = VlanState(142, "operators")
    await reporting_receiver.send(reservation_event(STARTING))
    await reporting_receiver.settle()
    assert backend.states() == ["in_progress", "failed"]
    assert backend.reports[1]["message"] == (
        "VLAN 142 is in use on this switch and was not created for reservations"
    )
    assert switch.config_commands == []
