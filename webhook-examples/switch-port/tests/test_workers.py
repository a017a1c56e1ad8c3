"""The webhook answers at once; switch work runs later, one session at a time per switch."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
from conftest import (
    PORTS,
    Receiver,
    ReceiverFactory,
    config_for,
    make_settings,
    reservation_event,
    signed_headers,
)
from reservation_common.events import EventType, PingData, SiteRef, make_event
from switch_port_webhook import SimulatedSwitch, create_app
from switch_port_webhook.testing import serve_webhook

STARTING = EventType.RESERVATION_STARTING


async def test_webhook_answers_before_the_switch_is_configured(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    switch.command_delay = 0.05  # a slow switch: the session takes about a second
    response = await receiver.send(reservation_event(STARTING))
    assert response.status_code == 202
    assert switch.port_state("Gi1/0/3").access_vlan == 1  # not yet
    await receiver.settle()
    assert switch.port_state("Gi1/0/3").access_vlan == 142


async def test_jobs_for_one_switch_run_one_session_at_a_time(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    for n, port in enumerate(PORTS[:4]):
        response = await receiver.send(reservation_event(STARTING, interface=port, vlan_id=150 + n))
        assert response.status_code == 202
    await receiver.settle()
    assert switch.peak_sessions == 1
    assert [switch.port_state(p).access_vlan for p in PORTS[:4]] == [150, 151, 152, 153]


async def test_different_switches_are_worked_on_in_parallel(
    switch: SimulatedSwitch, receiver_factory: ReceiverFactory
) -> None:
    other = SimulatedSwitch(hostname="sw2", interfaces=PORTS, password="pw2", enable_secret="en2")
    await other.start()
    try:
        base = make_settings(switch)
        second = config_for(other, PORTS)
        receiver = await receiver_factory(
            base.model_copy(update={"switches": {**base.switches, "sw2": second}})
        )
        switch.command_delay = other.command_delay = 0.1
        await receiver.send(reservation_event(STARTING, switch="sw1"))
        await receiver.send(reservation_event(STARTING, switch="sw2"))

        async def both_busy() -> None:
            while not (switch.active_sessions and other.active_sessions):
                await asyncio.sleep(0.01)

        await asyncio.wait_for(both_busy(), timeout=10)
        await receiver.settle()
        assert switch.port_state("Gi1/0/3").access_vlan == 142
        assert other.port_state("Gi1/0/3").access_vlan == 142
    finally:
        await other.stop()


async def test_full_queue_asks_the_platform_to_retry_later(
    switch: SimulatedSwitch, receiver_factory: ReceiverFactory
) -> None:
    receiver = await receiver_factory(make_settings(switch, queue_size=1))
    switch.command_delay = 0.05
    events = [
        reservation_event(STARTING, interface=p, vlan_id=150 + n) for n, p in enumerate(PORTS[:3])
    ]
    ids = [f"msg_{n}" for n in range(3)]
    answers = [await receiver.send(e, msg_id=i) for e, i in zip(events, ids, strict=True)]
    busy = [a for a in answers if a.status_code == 503]
    assert busy, [a.status_code for a in answers]
    assert busy[0].headers["retry-after"] == "30"
    assert busy[0].headers["content-type"] == "application/problem+json"
    await receiver.settle()

    # The retry of a refused delivery (same webhook-id) is processed, not taken for a duplicate.
    for event, msg_id, answer in zip(events, ids, answers, strict=True):
        if answer.status_code == 503:
            retry = await receiver.send(event, msg_id=msg_id)
            assert retry.status_code == 202
            await receiver.settle()
    assert [switch.port_state(p).access_vlan for p in PORTS[:3]] == [150, 151, 152]


async def test_ping_is_acknowledged_without_switch_work(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    ping = make_event(
        EventType.WEBHOOK_PING,
        PingData(
            site=SiteRef(id=uuid.uuid4(), slug="lab", name="Lab"), subscription_id=uuid.uuid4()
        ),
    ).model_dump(mode="json")
    body = json.dumps(ping).encode()
    response = await receiver.client.post("/webhook", content=body, headers=signed_headers(body))
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert switch.logins == 0


async def test_health_endpoint_answers(receiver: Receiver) -> None:
    response = await receiver.client.get("/healthz")
    assert response.json() == {"status": "ok"}


async def test_served_over_http_on_a_free_port(switch: SimulatedSwitch) -> None:
    async with serve_webhook(make_settings(switch)) as webhook:
        body = json.dumps(reservation_event(STARTING)).encode()
        async with httpx.AsyncClient() as client:
            response = await client.post(webhook.url, content=body, headers=signed_headers(body))
        assert response.status_code == 202
        await webhook.settle()
    assert switch.port_state("Gi1/0/3").access_vlan == 142


async def test_shutdown_finishes_acknowledged_jobs(switch: SimulatedSwitch) -> None:
    switch.command_delay = 0.02
    app = create_app(make_settings(switch))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hook") as client:
            body = json.dumps(reservation_event(STARTING)).encode()
            response = await client.post("/webhook", content=body, headers=signed_headers(body))
            assert response.status_code == 202
        assert switch.port_state("Gi1/0/3").access_vlan == 1  # still queued or running
    assert switch.port_state("Gi1/0/3").access_vlan == 142
