"""What cannot be done is refused before the BMC is touched; a BMC that fails gives ``failed``
and leaves no user-data behind."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from conftest import (
    SYSTEM,
    Platform,
    free_port,
    key_pair,
    make_settings,
    reservation_event,
    running_receiver,
)
from reservation_common.events import EventType
from server_provisioning_webhook import HostConfig
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
