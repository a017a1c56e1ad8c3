"""What cannot be done is refused before the BMC is touched; a BMC that fails gives ``failed``
and leaves no user-data behind."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import (
    SYSTEM,
    Platform,
    can_log_in,
    free_port,
    key_pair,
    make_settings,
    reservation_event,
    running_receiver,
)
from pydantic import ValidationError
from reservation_common.events import EventType
from server_provisioning_webhook import HostConfig, create_app
from server_provisioning_webhook.hostsim import SimulatedHost

STARTING = EventType.RESERVATION_STARTING


@pytest.fixture
def offline_host() -> SimulatedHost:
    return SimulatedHost(redfish_url="http://127.0.0.1:9", system_id=SYSTEM, ssh_port=free_port())


async def test_unreachable_bmc_gives_failed_and_no_user_data(
    tmp_path: Path, image_server: str, offline_host: SimulatedHost, platform: Platform
) -> None:
    dead_bmc = f"http://127.0.0.1:{free_port()}"
    settings = make_settings(tmp_path, dead_bmc, image_server, offline_host, platform)
    _, public = key_pair()
    rid = uuid.uuid4()
    platform.current[rid] = reservation_event(STARTING, rid, [public])["data"]
    async with running_receiver(settings) as receiver:
        await receiver.send(reservation_event(STARTING, rid, [public]))
        await receiver.settle()
        assert platform.states(rid) == ["in_progress", "failed"]
        assert "BMC" in platform.reports[-1]["message"]
        assert receiver.app.state.store.booking_of_host("node1") is None


async def test_bmc_that_never_answers_gives_failed(
    tmp_path: Path, image_server: str, offline_host: SimulatedHost, platform: Platform
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # takes the request, never answers
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    bmc = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    settings = make_settings(
        tmp_path, bmc, image_server, offline_host, platform, bmc_timeout_seconds=1
    )
    _, public = key_pair()
    rid = uuid.uuid4()
    platform.current[rid] = reservation_event(STARTING, rid, [public])["data"]
    try:
        async with running_receiver(settings) as receiver:
            await receiver.send(reservation_event(STARTING, rid, [public]))
            await receiver.settle(timeout=60)
    finally:
        server.close()
    assert platform.states(rid) == ["in_progress", "failed"]
    assert "BMC" in platform.reports[-1]["message"]


@pytest.mark.parametrize(
    ("keys", "parameters", "host", "reason"),
    [
        (["ssh-dss AAAAB3NzaC1kc3MAAACBAP"], {}, "node1", "unsupported type"),
        (["ssh-ed25519 not-base64!"], {}, "node1", "not valid base64"),
        ([], {}, "node1", "no SSH key"),
        (None, {"image": "http://evil.example/os.iso"}, "node1", "not an allowed image"),
        (None, {}, "node9", "not managed"),
    ],
)
async def test_bad_input_is_refused_with_a_report_before_the_bmc(
    tmp_path: Path,
    image_server: str,
    offline_host: SimulatedHost,
    platform: Platform,
    keys: list[str] | None,
    parameters: dict[str, str],
    host: str,
    reason: str,
) -> None:
    # The BMC address answers nothing: any attempt to reach it would fail differently.
    settings = make_settings(tmp_path, "http://127.0.0.1:9", image_server, offline_host, platform)
    owner_keys = keys if keys is not None else [key_pair()[1]]
    rid = uuid.uuid4()
    event = reservation_event(STARTING, rid, owner_keys, host=host, parameters=parameters)
    platform.current[rid] = event["data"]
    async with running_receiver(settings) as receiver:
        await receiver.send(event)
        await receiver.settle()
    assert platform.states(rid) == ["failed"]
    assert reason in platform.reports[-1]["message"]


async def test_start_for_a_cancelled_reservation_does_nothing(
    tmp_path: Path, image_server: str, offline_host: SimulatedHost, platform: Platform
) -> None:
    settings = make_settings(tmp_path, "http://127.0.0.1:9", image_server, offline_host, platform)
    _, public = key_pair()
    rid = uuid.uuid4()
    platform.current[rid] = reservation_event(
        EventType.RESERVATION_CANCELLED, rid, [public], status="cancelled", version=2
    )["data"]
    async with running_receiver(settings) as receiver:
        await receiver.send(reservation_event(STARTING, rid, [public]))
        await receiver.settle()
    assert platform.states(rid) == []


def test_bmc_password_is_never_shown(tmp_path: Path) -> None:
    secret_file = tmp_path / "bmc"
    secret_file.write_text("s3cret-from-file\n")
    host = HostConfig(
        bmc_url="https://bmc", system_id="/redfish/v1/Systems/1", username="u",
        password_file=str(secret_file), address="10.0.0.1",
    )  # fmt: skip
    assert host.bmc_password() == "s3cret-from-file"
    assert "s3cret" not in repr(host)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"parameters": {"image": "http://evil.example/os.iso"}}, "not an allowed image"),
        ({"keys": ["ssh-dss AAAAB3NzaC1kc3MAAACBAP"]}, "unsupported type"),
    ],
)
async def test_an_update_the_host_cannot_follow_wipes_it_before_failed(
    tmp_path: Path,
    emulator: str,
    image_server: str,
    sim_host: SimulatedHost,
    platform: Platform,
    change: dict[str, Any],
    reason: str,
) -> None:
    # Before: the update was refused with `failed` and the host stayed up with the owner's key.
    settings = make_settings(tmp_path, emulator, image_server, sim_host, platform)
    owner, public = key_pair()
    rid = uuid.uuid4()
    async with running_receiver(settings) as receiver:
        platform.current[rid] = reservation_event(STARTING, rid, [public])["data"]
        await receiver.send(reservation_event(STARTING, rid, [public]))
        await receiver.settle()
        assert platform.states(rid) == ["in_progress", "ready"]
        token = receiver.app.state.store.booking_of_host("node1").token

        updated = reservation_event(
            EventType.RESERVATION_UPDATED,
            rid,
            change.get("keys", [public]),
            parameters=change.get("parameters"),
            version=2,
        )
        platform.current[rid] = updated["data"]
        await receiver.send(updated)
        await receiver.settle()

        assert platform.states(rid)[-1] == "failed"
        assert reason in platform.reports[-1]["message"]
        async with asyncio.timeout(10):
            await sim_host.power_went_off()
        assert not sim_host.running
        assert not await can_log_in(sim_host.ssh_port, owner)
        assert receiver.app.state.store.booking_of_host("node1") is None
        async with httpx.AsyncClient() as client:
            seed = await client.get(f"{receiver.url}/seed/{token}/user-data")
        assert seed.status_code == 404


async def test_a_cancellation_during_the_round_leaves_the_host_off_and_wiped(
    tmp_path: Path, emulator: str, image_server: str, sim_host: SimulatedHost, platform: Platform
) -> None:
    settings = make_settings(tmp_path, emulator, image_server, sim_host, platform)
    owner, public = key_pair()
    rid = uuid.uuid4()
    async with running_receiver(settings) as receiver:
        platform.current[rid] = reservation_event(STARTING, rid, [public])["data"]
        await receiver.send(reservation_event(STARTING, rid, [public]))
        await platform.wait_for(rid, "in_progress", timeout=30)  # the BMC is being driven

        cancelled = reservation_event(
            EventType.RESERVATION_CANCELLED, rid, [public], status="cancelled", version=2
        )
        platform.current[rid] = cancelled["data"]
        await receiver.send(cancelled)
        await receiver.settle()

        assert platform.states(rid)[-1] == "released"
        async with asyncio.timeout(10):
            await sim_host.power_went_off()
        assert not sim_host.running
        assert not await can_log_in(sim_host.ssh_port, owner)
        assert receiver.app.state.store.booking_of_host("node1") is None


async def test_a_start_for_a_booking_cancelled_meanwhile_never_powers_the_host_on(
    tmp_path: Path, emulator: str, image_server: str, sim_host: SimulatedHost, platform: Platform
) -> None:
    # The cancellation's own event arrives first; the late start finds it cancelled.
    settings = make_settings(tmp_path, emulator, image_server, sim_host, platform)
    _, public = key_pair()
    rid = uuid.uuid4()
    cancelled = reservation_event(
        EventType.RESERVATION_CANCELLED, rid, [public], status="cancelled", version=2
    )
    platform.current[rid] = cancelled["data"]
    async with running_receiver(settings) as receiver:
        await receiver.send(cancelled)
        answer = await receiver.send(reservation_event(STARTING, rid, [public]))
        assert answer.status_code == 202
        await receiver.settle()
        assert platform.states(rid) == []
        assert receiver.app.state.store.booking_of_host("node1") is None
        async with httpx.AsyncClient() as client:
            system = (await client.get(f"{emulator}{SYSTEM}")).json()
    assert system["PowerState"] == "Off"
    assert sim_host.boots == 0


def test_a_host_naming_a_driver_that_is_not_given_is_refused_at_start(
    tmp_path: Path, image_server: str, offline_host: SimulatedHost
) -> None:
    platform = Platform(issuer="http://127.0.0.1:9", client_secret="unused")
    settings = make_settings(tmp_path, "http://127.0.0.1:9", image_server, offline_host, platform)
    with pytest.raises(ValueError, match="redfish"):
        create_app(settings.model_copy(update={"api_url": None}), drivers={"ipmi": object()})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="driver"):
        HostConfig(
            driver="carrier-pigeon", bmc_url="https://bmc", system_id="/redfish/v1/Systems/1",
            username="u", password="p", address="10.0.0.1",
        )  # fmt: skip
