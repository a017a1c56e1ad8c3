"""Replays and repeats change nothing more: the switch's state decides, not the event count."""

from __future__ import annotations

import uuid

from conftest import Receiver, reservation_event
from reservation_common.events import EventType
from switch_port_webhook import SimulatedSwitch

STARTING = EventType.RESERVATION_STARTING
ENDED = EventType.RESERVATION_ENDED


async def test_same_delivery_twice_is_acknowledged_once(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    event = reservation_event(STARTING)
    first = await receiver.send(event, msg_id="msg_same")
    again = await receiver.send(event, msg_id="msg_same")
    await receiver.settle()
    assert first.status_code == 202
    assert (again.status_code, again.json()) == (200, {"status": "duplicate"})
    assert switch.logins == 1


async def test_start_after_start_sends_no_configuration(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    reservation_id = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    sent, saves = list(switch.config_commands), switch.saves

    # The same event in a new delivery (another webhook-id), as after a redelivery.
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    assert switch.logins == 2  # it looked ...
    assert switch.config_commands == sent  # ... and changed nothing
    assert switch.saves == saves
    assert switch.port_state("Gi1/0/3").access_vlan == 142


async def test_end_after_end_sends_no_configuration(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    reservation_id = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    await receiver.send(reservation_event(ENDED, reservation_id=reservation_id, version=2))
    await receiver.settle()
    sent = list(switch.config_commands)
    assert sent  # it was configured, then given back

    await receiver.send(reservation_event(ENDED, reservation_id=reservation_id, version=2))
    await receiver.settle()
    assert switch.config_commands == sent
    assert switch.port_state("Gi1/0/3").access_vlan == 1


async def test_half_done_start_is_completed(switch: SimulatedSwitch, receiver: Receiver) -> None:
    reservation_id = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    switch.set_port("Gi1/0/3", shutdown=True)  # e.g. an operator shut it meanwhile

    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    port = switch.port_state("Gi1/0/3")
    assert (port.access_vlan, port.shutdown) == (142, False)


async def test_changed_vlan_moves_the_port_and_drops_the_old_vlan(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    reservation_id = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id, vlan_id=142))
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id, vlan_id=143))
    await receiver.settle()
    assert switch.port_state("Gi1/0/3").access_vlan == 143
    assert 142 not in switch.running.vlans
    assert switch.running.vlans[143].name == "resv-143"
    assert switch.saved
