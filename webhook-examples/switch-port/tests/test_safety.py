"""Refusals: nothing that fails validation ever reaches the switch, and no port is hijacked."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from conftest import Receiver, reservation_event
from reservation_common.events import EventType
from switch_port_webhook import SimulatedSwitch

STARTING = EventType.RESERVATION_STARTING
ENDED = EventType.RESERVATION_ENDED


@pytest.mark.parametrize(
    "vlan_id",
    [
        "42\nreload",
        "1; no vlan 1",
        "142",  # a string, even a numeric one
        142.0,
        True,
        None,
        [142],
        0,
        1,  # the default VLAN
        -142,
        4095,
        1002,  # reserved by IOS
        99,  # valid, but outside the allow-list 100-199
        200,
    ],
)
async def test_bad_vlan_is_refused_before_any_command(
    switch: SimulatedSwitch, receiver: Receiver, vlan_id: Any
) -> None:
    response = await receiver.send(reservation_event(STARTING, vlan_id=vlan_id))
    await receiver.settle()
    assert response.status_code == 200
    assert response.json()["status"] == "refused"
    assert "vlan" in response.json()["reason"].lower()
    assert switch.config_commands == []
    assert switch.logins == 0


@pytest.mark.parametrize(
    "interface",
    [
        "Gi1/0/3\nreload",
        "Gi1/0/3; shutdown",
        "Gi1/0/3 ",
        "Gi 1/0/3",
        "Gi1/0/3\r\nno vlan 1",
        "GigabitEthernet1/0/3 description x",
        "Gi1/0/3.100",
        "Gi1/0/1-8",
        "Vlan1",
        "Gi1/0/7",  # exists on the switch but is not a configured port
        "",
        42,
        None,
    ],
)
async def test_bad_interface_is_refused_before_any_command(
    switch: SimulatedSwitch, receiver: Receiver, interface: Any
) -> None:
    response = await receiver.send(reservation_event(STARTING, interface=interface))
    await receiver.settle()
    assert response.json()["status"] == "refused"
    assert "interface" in response.json()["reason"]
    assert switch.config_commands == []
    assert switch.logins == 0


@pytest.mark.parametrize("switch_name", ["sw2", "sw1\nreload", "", None, {"host": "10.0.0.1"}])
async def test_unknown_switch_is_refused(
    switch: SimulatedSwitch, receiver: Receiver, switch_name: Any
) -> None:
    response = await receiver.send(reservation_event(STARTING, switch=switch_name))
    await receiver.settle()
    assert response.json()["status"] == "refused"
    assert switch.logins == 0


async def test_injection_in_release_event_is_refused(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    response = await receiver.send(reservation_event(ENDED, interface="Gi1/0/3\nno vlan 1"))
    await receiver.settle()
    assert response.json()["status"] == "refused"
    assert switch.logins == 0


async def test_port_on_a_vlan_it_did_not_set_is_not_taken(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    switch.set_port("Gi1/0/3", mode="access", access_vlan=150, description="lab printer")
    response = await receiver.send(reservation_event(STARTING))
    await receiver.settle()

    assert response.status_code == 202  # refused by the worker, after reading the port
    assert switch.config_commands == []
    port = switch.port_state("Gi1/0/3")
    assert (port.access_vlan, port.description) == (150, "lab printer")


async def test_port_held_by_another_reservation_is_not_taken(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    holder = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=holder, vlan_id=120))
    await receiver.settle()
    sent = list(switch.config_commands)

    await receiver.send(reservation_event(STARTING, vlan_id=130))
    await receiver.settle()
    assert switch.config_commands == sent
    assert switch.port_state("Gi1/0/3").access_vlan == 120
    assert switch.port_state("Gi1/0/3").description == f"reservation {holder}"


async def test_trunk_port_is_not_taken(switch: SimulatedSwitch, receiver: Receiver) -> None:
    switch.set_port("Gi1/0/3", mode="trunk")
    await receiver.send(reservation_event(STARTING))
    await receiver.settle()
    assert switch.config_commands == []
    assert switch.port_state("Gi1/0/3").mode == "trunk"


async def test_end_of_a_reservation_it_never_provisioned_changes_nothing(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    switch.set_port("Gi1/0/3", mode="access", access_vlan=150)
    await receiver.send(reservation_event(ENDED))
    await receiver.settle()
    assert switch.config_commands == []
    assert switch.port_state("Gi1/0/3").access_vlan == 150


async def test_bad_signature_is_refused_and_nothing_is_queued(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    body = b'{"id": "evt_1", "type": "reservation.starting", "data": {}}'
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": "v1,AAAA",
    }
    response = await receiver.client.post("/webhook", content=body, headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "Message timestamp too old"
    assert switch.logins == 0


async def test_body_that_is_not_an_envelope_is_a_bad_request(receiver: Receiver) -> None:
    response = await receiver.send({"hello": "world"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


async def test_refusal_reason_quotes_and_shortens_the_value(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    response = await receiver.send(reservation_event(STARTING, interface="Gi1/0/3\n" + "x" * 5000))
    reason = response.json()["reason"]
    assert reason.startswith("interface 'Gi1/0/3\\nxxx")
    assert len(reason) < 120
    assert "\n" not in reason


async def test_reservation_event_without_a_reservation_is_refused(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    event = reservation_event(STARTING)
    del event["data"]["reservation"]
    response = await receiver.send(event)
    assert response.json() == {
        "status": "refused",
        "reason": "not a reservation event: data.reservation: Field required",
    }
    assert switch.logins == 0
