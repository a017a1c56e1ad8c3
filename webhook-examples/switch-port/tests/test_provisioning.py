"""Start and end of a reservation, checked on the simulated switch's resulting configuration."""

from __future__ import annotations

import uuid

from conftest import Receiver, ReceiverFactory, make_settings, reservation_event
from reservation_common.events import EventType
from switch_port_webhook import SimulatedSwitch
from switch_port_webhook.simulator import VlanState

STARTING = EventType.RESERVATION_STARTING
ENDED = EventType.RESERVATION_ENDED


async def test_start_puts_the_port_on_the_reservation_vlan(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    reservation_id = uuid.uuid4()
    response = await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    assert response.status_code == 202
    assert response.json() == {"status": "queued"}
    await receiver.settle()

    port = switch.port_state("GigabitEthernet1/0/3")
    assert (port.mode, port.access_vlan, port.shutdown) == ("access", 142, False)
    assert port.description == f"reservation {reservation_id}"
    assert switch.running.vlans[142].name == "resv-142"
    assert switch.saved


async def test_end_restores_the_default_vlan_and_removes_the_created_vlan(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    reservation_id = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    response = await receiver.send(
        reservation_event(ENDED, reservation_id=reservation_id, version=2)
    )
    assert response.status_code == 202
    await receiver.settle()

    port = switch.port_state("Gi1/0/3")
    assert (port.access_vlan, port.shutdown, port.description) == (1, True, None)
    assert 142 not in switch.running.vlans
    assert switch.saved


async def test_cancelled_reservation_releases_its_port(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    reservation_id = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    assert switch.port_state("Gi1/0/3").access_vlan == 142
    await receiver.send(
        reservation_event(EventType.RESERVATION_CANCELLED, reservation_id=reservation_id, version=2)
    )
    await receiver.settle()
    assert switch.port_state("Gi1/0/3").access_vlan == 1
    assert 142 not in switch.running.vlans


async def test_vlan_of_another_reservation_is_refused(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=first, interface="Gi1/0/1"))
    await receiver.settle()
    sent = list(switch.config_commands)

    # Another member asks for the same VLAN: joining it would put them on the first one's
    # network. Before tenant VLANs were exclusive, Gi1/0/2 went on VLAN 142 too.
    await receiver.send(reservation_event(STARTING, reservation_id=second, interface="Gi1/0/2"))
    await receiver.settle()
    assert switch.config_commands == sent
    assert switch.port_state("Gi1/0/2").access_vlan == 1

    await receiver.send(
        reservation_event(ENDED, reservation_id=first, interface="Gi1/0/1", version=2)
    )
    await receiver.settle()
    assert switch.port_state("Gi1/0/1").access_vlan == 1
    assert 142 not in switch.running.vlans


async def test_end_keeps_a_vlan_a_port_it_did_not_configure_uses(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    reservation_id = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    switch.set_port("Gi1/0/7", mode="access", access_vlan=142)  # an operator joined it meanwhile
    await receiver.send(reservation_event(ENDED, reservation_id=reservation_id, version=2))
    await receiver.settle()

    assert switch.port_state("Gi1/0/3").access_vlan == 1
    assert switch.port_state("Gi1/0/7").access_vlan == 142
    assert 142 in switch.running.vlans


async def test_operator_vlan_is_refused(switch: SimulatedSwitch, receiver: Receiver) -> None:
    # An operator's VLAN (present on the switch, not created by this integration) is no tenant
    # VLAN, even inside the allow-list: before the fix the port joined "lab-shared".
    switch.running.vlans[142] = VlanState(142, "lab-shared")
    response = await receiver.send(reservation_event(STARTING))
    await receiver.settle()

    assert response.status_code == 202  # refused by the worker, after reading the switch
    assert switch.config_commands == []
    assert switch.port_state("Gi1/0/3").access_vlan == 1
    assert switch.running.vlans[142].name == "lab-shared"


async def test_release_can_keep_the_port_enabled(
    switch: SimulatedSwitch, receiver_factory: ReceiverFactory
) -> None:
    receiver = await receiver_factory(make_settings(switch, shutdown_on_release=False))
    reservation_id = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=reservation_id))
    await receiver.settle()
    await receiver.send(reservation_event(ENDED, reservation_id=reservation_id, version=2))
    await receiver.settle()
    port = switch.port_state("Gi1/0/3")
    assert (port.access_vlan, port.shutdown) == (1, False)


async def test_started_event_provisions_when_so_configured(
    switch: SimulatedSwitch, receiver_factory: ReceiverFactory
) -> None:
    receiver = await receiver_factory(make_settings(switch, provision_on="reservation.started"))
    ignored = await receiver.send(reservation_event(STARTING))
    await receiver.settle()
    assert ignored.json()["status"] == "ignored"
    assert switch.config_commands == []

    await receiver.send(reservation_event(EventType.RESERVATION_STARTED))
    await receiver.settle()
    assert switch.port_state("Gi1/0/3").access_vlan == 142


async def test_other_events_need_no_switch_work(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    response = await receiver.send(reservation_event(EventType.RESERVATION_CREATED))
    await receiver.settle()
    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert switch.logins == 0
