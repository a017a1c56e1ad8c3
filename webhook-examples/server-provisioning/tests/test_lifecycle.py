"""A provisioning round from booking to release, against the Redfish emulator and a host that
boots from the user-data the receiver served."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import httpx
from conftest import (
    Platform,
    can_log_in,
    key_pair,
    make_settings,
    reservation_event,
    running_receiver,
)
from reservation_common.events import EventType
from server_provisioning_webhook.hostsim import SimulatedHost

STARTING = EventType.RESERVATION_STARTING
ENDED = EventType.RESERVATION_ENDED


async def test_owner_key_logs_in_during_the_booking_and_nobody_after(
    tmp_path: Path, emulator: str, image_server: str, sim_host: SimulatedHost, platform: Platform
) -> None:
    settings = make_settings(tmp_path, emulator, image_server, sim_host, platform)
    owner, owner_public = key_pair()
    stranger, _ = key_pair()
    rid = uuid.uuid4()
    async with running_receiver(settings) as receiver:
        started = time.monotonic()
        platform.current[rid] = reservation_event(STARTING, rid, [owner_public])["data"]
        response = await receiver.send(reservation_event(STARTING, rid, [owner_public]))
        assert response.status_code == 202
        await receiver.settle()
        ready_after = time.monotonic() - started

        assert platform.states(rid) == ["in_progress", "ready"]
        details = platform.reports[-1]["details"]
        assert details == {
            "host": "node1", "address": "127.0.0.1", "port": sim_host.ssh_port, "user": "cloud",
            "login": f"ssh -p {sim_host.ssh_port} cloud@127.0.0.1",
        }  # fmt: skip
        assert await can_log_in(sim_host.ssh_port, owner)
        assert not await can_log_in(sim_host.ssh_port, stranger)

        ended = reservation_event(ENDED, rid, [owner_public], status="completed", version=3)
        platform.current[rid] = ended["data"]
        started = time.monotonic()
        await receiver.send(ended)
        await receiver.settle()
        released_after = time.monotonic() - started

        assert platform.states(rid)[-1] == "released"
        async with asyncio.timeout(10):
            await sim_host.power_went_off()
        assert not sim_host.running
        assert not await can_log_in(sim_host.ssh_port, owner)
        assert receiver.app.state.store.booking_of_host("node1") is None
    print(f"\nready after {ready_after:.1f} s, released after {released_after:.1f} s")


async def test_next_booking_never_sees_the_previous_owners_key(
    tmp_path: Path, emulator: str, image_server: str, sim_host: SimulatedHost, platform: Platform
) -> None:
    # The original integration left the first owner's key on the host for the next booking.
    settings = make_settings(tmp_path, emulator, image_server, sim_host, platform)
    first, first_public = key_pair()
    second, second_public = key_pair()
    one, two = uuid.uuid4(), uuid.uuid4()
    async with running_receiver(settings) as receiver:
        platform.current[one] = reservation_event(STARTING, one, [first_public])["data"]
        await receiver.send(reservation_event(STARTING, one, [first_public]))
        await receiver.settle()
        ended = reservation_event(ENDED, one, [first_public], status="completed", version=3)
        platform.current[one] = ended["data"]
        await receiver.send(ended)
        await receiver.settle()

        platform.current[two] = reservation_event(STARTING, two, [second_public])["data"]
        await receiver.send(reservation_event(STARTING, two, [second_public]))
        await receiver.settle()

        assert platform.states(two) == ["in_progress", "ready"]
        assert sim_host.keys == [" ".join(second_public.split()[:2])]
        assert await can_log_in(sim_host.ssh_port, second)
        assert not await can_log_in(sim_host.ssh_port, first)


async def test_moving_the_booking_off_the_host_wipes_it(
    tmp_path: Path, emulator: str, image_server: str, sim_host: SimulatedHost, platform: Platform
) -> None:
    settings = make_settings(tmp_path, emulator, image_server, sim_host, platform)
    owner, public = key_pair()
    rid = uuid.uuid4()
    async with running_receiver(settings) as receiver:
        platform.current[rid] = reservation_event(STARTING, rid, [public])["data"]
        await receiver.send(reservation_event(STARTING, rid, [public]))
        await receiver.settle()
        assert await can_log_in(sim_host.ssh_port, owner)
        token = receiver.app.state.store.booking_of_host("node1").token

        # The owner moves the booking to a host another integration manages.
        moved = reservation_event(EventType.RESERVATION_UPDATED, rid, [public], host="elsewhere")
        platform.current[rid] = moved["data"]
        await receiver.send(moved)
        await receiver.settle()

        assert platform.states(rid)[-1] == "released"
        async with asyncio.timeout(10):
            await sim_host.power_went_off()
        assert not sim_host.running
        assert not await can_log_in(sim_host.ssh_port, owner)
        async with httpx.AsyncClient() as client:
            seed = await client.get(f"{receiver.url}/seed/{token}/user-data")
        assert seed.status_code == 404


async def test_the_team_logs_in_and_a_co_user_removed_during_the_booking_is_refused_at_once(
    tmp_path: Path, emulator: str, image_server: str, sim_host: SimulatedHost, platform: Platform
) -> None:
    # Before: only the owner's keys reached the host; co-users could not log in at all.
    settings = make_settings(tmp_path, emulator, image_server, sim_host, platform)
    owner, owner_public = key_pair()
    bob, bob_public = key_pair()
    carol, carol_public = key_pair()
    stranger, _ = key_pair()
    rid = uuid.uuid4()
    team = {"bob": [bob_public], "carol": [carol_public]}
    async with running_receiver(settings) as receiver:
        start = reservation_event(STARTING, rid, [owner_public], co_users=team)
        platform.current[rid] = start["data"]
        await receiver.send(start)
        await receiver.settle()
        assert platform.states(rid) == ["in_progress", "ready"]
        for person in (owner, bob, carol):
            assert await can_log_in(sim_host.ssh_port, person)
        assert not await can_log_in(sim_host.ssh_port, stranger)

        # carol is removed while the booking runs: the platform sends reservation.updated
        # whose co-user list no longer names her.
        removed = reservation_event(
            EventType.RESERVATION_UPDATED, rid, [owner_public], co_users={"bob": [bob_public]},
            status="active", version=2,
        )  # fmt: skip
        platform.current[rid] = removed["data"]
        await receiver.send(removed)
        await receiver.settle()

        assert not await can_log_in(sim_host.ssh_port, carol)
        assert await can_log_in(sim_host.ssh_port, owner)
        assert await can_log_in(sim_host.ssh_port, bob)
        assert sim_host.boots == 1  # access changed without a reinstall
        assert platform.states(rid)[-1] == "ready"
        assert "access now for alice, bob" in platform.reports[-1]["message"]

        ended = reservation_event(
            ENDED, rid, [owner_public], co_users={"bob": [bob_public]}, status="completed",
            version=3,
        )  # fmt: skip
        platform.current[rid] = ended["data"]
        await receiver.send(ended)
        await receiver.settle()
        async with asyncio.timeout(10):
            await sim_host.power_went_off()
        token_gone = receiver.app.state.store.booking_of_host("node1") is None
        assert token_gone and not await can_log_in(sim_host.ssh_port, bob)
