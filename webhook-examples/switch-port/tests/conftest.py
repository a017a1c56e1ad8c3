"""Fixtures: a simulated switch over real SSH on loopback, the webhook app, signed events."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from reservation_common.events import (
    EventType,
    OwnerData,
    Period,
    ProvisioningData,
    ReservationData,
    ReservationEventData,
    ResourceData,
    ResourceTypeRef,
    SiteRef,
    make_event,
)
from standardwebhooks.webhooks import Webhook
from switch_port_webhook import Settings, SimulatedSwitch, SwitchConfig, create_app

WEBHOOK_SECRET = "whsec_" + "c3dpdGNoLXBvcnQtdGVzdC1zZWNyZXQtMzItYnl0ZXM="
PORTS = [f"Gi1/0/{n}" for n in range(1, 9)]


@pytest.fixture
async def switch() -> AsyncIterator[SimulatedSwitch]:
    simulated = SimulatedSwitch(
        hostname="sw1",
        interfaces=PORTS,
        username="netops",
        password="test-switch-password",
        enable_secret="test-enable-secret",
    )
    await simulated.start()
    yield simulated
    await simulated.stop()


def config_for(switch: SimulatedSwitch, ports: list[str]) -> SwitchConfig:
    return SwitchConfig(
        host="127.0.0.1",
        port=switch.port,
        username=switch.username,
        password=switch.password,
        enable_secret=switch.enable_secret,
        ports=frozenset(ports),
        timeout_seconds=10,
    )


def make_settings(switch: SimulatedSwitch, **overrides: Any) -> Settings:
    # Gi1/0/7 and Gi1/0/8 exist on the switch but are not ours to change.
    values: dict[str, Any] = {
        "webhook_secret": WEBHOOK_SECRET,
        "switches": {"sw1": config_for(switch, PORTS[:6])},
        "allowed_vlans": "100-199",
        "report_backoff_seconds": 0.01,
    }
    values.update(overrides)
    return Settings(**values)


def reservation_event(
    type_: EventType,
    *,
    reservation_id: uuid.UUID | None = None,
    vlan_id: Any = 142,
    interface: Any = "Gi1/0/3",
    switch: Any = "sw1",
    extra_parameters: dict[str, Any] | None = None,
    status: str | None = None,
    version: int = 1,
    provisioning: str | None = None,
) -> dict[str, Any]:
    """An event exactly as the platform builds it (``reservation_common.events``)."""
    now = datetime.now(UTC)
    parameters = {"vlan_id": vlan_id, **(extra_parameters or {})}
    data = ReservationEventData(
        reservation=ReservationData(
            id=reservation_id or uuid.uuid4(),
            title="lab slot",
            status=status or _status_after(type_),
            period=Period(start=now, end=now + timedelta(hours=1)),
            parameters=parameters,
            provisioning=ProvisioningData(state=provisioning) if provisioning else None,
            version=version,
        ),
        resource=ResourceData(
            id=uuid.uuid4(),
            # The display name is deliberately misleading: only attributes count.
            name="Gi1/0/8 on sw9",
            status="active",
            type=ResourceTypeRef(id=uuid.uuid4(), name="switch port"),
            attributes={"switch": switch, "interface": interface},
        ),
        site=SiteRef(id=uuid.uuid4(), slug="lab", name="Lab"),
        owner=OwnerData(id="user-1", username="alice"),
    )
    return make_event(type_, data).model_dump(mode="json")


def _status_after(type_: EventType) -> str:
    return {
        EventType.RESERVATION_STARTED: "active",
        EventType.RESERVATION_ENDED: "completed",
        EventType.RESERVATION_CANCELLED: "cancelled",
    }.get(type_, "confirmed")


def signed_headers(body: bytes, msg_id: str | None = None) -> dict[str, str]:
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(WEBHOOK_SECRET).sign(msg_id, now, body.decode()),
    }


class Receiver:
    """The webhook app, served in-process, and how to send it signed events."""

    def __init__(
        self,
        app: Any,
        client: httpx.AsyncClient,
        platform: dict[uuid.UUID, dict[str, Any]] | None = None,
    ) -> None:
        self.app = app
        self.client = client
        # The stand-in platform's reservations: an event sent is what the platform has now,
        # unless it is sent ``late``.
        self.platform = platform

    async def send(
        self, event: dict[str, Any], *, msg_id: str | None = None, late: bool = False
    ) -> httpx.Response:
        if self.platform is not None and not late:
            self.platform[uuid.UUID(event["data"]["reservation"]["id"])] = event["data"]
        body = json.dumps(event).encode()
        return await self.client.post(
            "/webhook", content=body, headers=signed_headers(body, msg_id)
        )

    async def settle(self) -> None:
        """Wait until queued switch work and reports are done."""
        await self.app.state.workers.join()
        await self.app.state.reporter.join()


ReceiverFactory = Callable[..., Awaitable[Receiver]]


@pytest.fixture
async def receiver_factory() -> AsyncIterator[ReceiverFactory]:
    stack: list[Any] = []

    async def build(
        settings: Settings, *, platform: dict[uuid.UUID, dict[str, Any]] | None = None
    ) -> Receiver:
        app = create_app(settings)
        lifespan = app.router.lifespan_context(app)
        await lifespan.__aenter__()
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hook")
        stack.append((lifespan, client))
        return Receiver(app, client, platform)

    yield build
    for lifespan, client in reversed(stack):
        await client.aclose()
        await lifespan.__aexit__(None, None, None)


@pytest.fixture
async def receiver(switch: SimulatedSwitch, receiver_factory: ReceiverFactory) -> Receiver:
    return await receiver_factory(make_settings(switch))
