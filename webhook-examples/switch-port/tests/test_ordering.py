"""Late and out-of-order events: the reservation as it is now decides, not the event.

An event can reach the integration after a later one (redelivery, a retry after an outage): a
``reservation.starting`` after the ``reservation.cancelled``, or after the reservation moved to
another port inside its lead time. Each case below left a port configured before the receiver
read the reservation's current state.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from conftest import Receiver, ReceiverFactory, reservation_event
from reservation_common.events import EventType
from switch_port_webhook import SimulatedSwitch
from test_reports import Backend, reporting_settings, stand_in_backend

STARTING = EventType.RESERVATION_STARTING
UPDATED = EventType.RESERVATION_UPDATED
CANCELLED = EventType.RESERVATION_CANCELLED
ENDED = EventType.RESERVATION_ENDED


@pytest.fixture
async def platform(test_realm: Any) -> AsyncIterator[Backend]:
    async with stand_in_backend(Backend(), test_realm.issuer) as seen:
        yield seen


@pytest.fixture
async def reading_receiver(
    switch: SimulatedSwitch, platform: Backend, test_realm: Any, receiver_factory: ReceiverFactory
) -> Receiver:
    settings = reporting_settings(switch, platform, test_realm)
    return await receiver_factory(settings, platform=platform.current)


@pytest.mark.parametrize("over", [CANCELLED, ENDED])
async def test_start_arriving_after_the_end_configures_nothing(
    switch: SimulatedSwitch, receiver: Receiver, over: EventType
) -> None:
    # No platform URL: the event sequence (the reservation's version) orders them.
    rid = uuid.uuid4()
    await receiver.send(reservation_event(over, reservation_id=rid, version=2))
    await receiver.settle()
    await receiver.send(reservation_event(STARTING, reservation_id=rid, version=1))
    await receiver.settle()

    assert switch.config_commands == []
    assert switch.port_state("Gi1/0/3").access_vlan == 1


async def test_start_for_a_reservation_the_platform_says_is_cancelled_configures_nothing(
    switch: SimulatedSwitch, platform: Backend, reading_receiver: Receiver
) -> None:
    # The cancellation never reached this integration: only the platform knows.
    rid = uuid.uuid4()
    platform.current[rid] = reservation_event(CANCELLED, reservation_id=rid, version=3)["data"]
    response = await reading_receiver.send(
        reservation_event(STARTING, reservation_id=rid), late=True
    )
    await reading_receiver.settle()

    assert response.status_code == 202
    assert platform.reads == 1
    assert switch.config_commands == []
    assert platform.reports == []  # nothing to say about a reservation that is over


async def test_move_inside_the_lead_time_gives_the_old_port_back(
    switch: SimulatedSwitch, platform: Backend, reading_receiver: Receiver
) -> None:
    rid = uuid.uuid4()
    await reading_receiver.send(reservation_event(STARTING, reservation_id=rid))
    await reading_receiver.settle()
    assert switch.port_state("Gi1/0/3").access_vlan == 142

    # The owner moves the booking to Gi1/0/4 before it starts: no new starting event comes.
    moved = reservation_event(
        UPDATED, reservation_id=rid, interface="Gi1/0/4", version=3, provisioning="ready"
    )
    await reading_receiver.send(moved)
    await reading_receiver.settle()

    old, new = switch.port_state("Gi1/0/3"), switch.port_state("Gi1/0/4")
    assert (old.access_vlan, old.description, old.shutdown) == (1, None, True)
    assert (new.access_vlan, new.description) == (142, f"reservation {rid}")
    assert platform.states() == ["in_progress", "ready", "in_progress", "ready"]
    assert platform.reports[-1]["details"]["port"] == "Gi1/0/4"


async def test_move_is_followed_without_a_platform_url(
    switch: SimulatedSwitch, receiver: Receiver
) -> None:
    rid = uuid.uuid4()
    await receiver.send(reservation_event(STARTING, reservation_id=rid))
    await receiver.settle()
    await receiver.send(
        reservation_event(UPDATED, reservation_id=rid, interface="Gi1/0/4", version=2)
    )
    await receiver.settle()

    assert switch.port_state("Gi1/0/3").access_vlan == 1
    assert switch.port_state("Gi1/0/4").access_vlan == 142


async def test_late_start_after_a_move_configures_the_current_port_only(
    switch: SimulatedSwitch, platform: Backend, reading_receiver: Receiver
) -> None:
    rid = uuid.uuid4()
    platform.current[rid] = reservation_event(
        UPDATED, reservation_id=rid, interface="Gi1/0/4", version=2
    )["data"]
    await reading_receiver.send(
        reservation_event(STARTING, reservation_id=rid, interface="Gi1/0/3"), late=True
    )
    await reading_receiver.settle()

    assert switch.port_state("Gi1/0/3").access_vlan == 1
    assert switch.port_state("Gi1/0/4").access_vlan == 142


async def test_change_before_the_lead_time_configures_nothing_yet(
    switch: SimulatedSwitch, platform: Backend, reading_receiver: Receiver
) -> None:
    rid = uuid.uuid4()
    await reading_receiver.send(reservation_event(UPDATED, reservation_id=rid, version=2))
    await reading_receiver.settle()
    assert switch.config_commands == []
    assert platform.reports == []


async def test_end_after_a_move_gives_back_the_port_it_moved_to(
    switch: SimulatedSwitch, platform: Backend, reading_receiver: Receiver
) -> None:
    rid = uuid.uuid4()
    await reading_receiver.send(reservation_event(STARTING, reservation_id=rid))
    await reading_receiver.settle()
    await reading_receiver.send(
        reservation_event(UPDATED, reservation_id=rid, interface="Gi1/0/4", version=2)
    )
    await reading_receiver.settle()
    await reading_receiver.send(
        reservation_event(ENDED, reservation_id=rid, interface="Gi1/0/4", version=3)
    )
    await reading_receiver.settle()

    for port in ("Gi1/0/3", "Gi1/0/4"):
        assert switch.port_state(port).access_vlan == 1
    assert 142 not in switch.running.vlans
    assert platform.states()[-1] == "released"
