"""Issue 5's check, through every part: a booked switch port goes on the reservation's VLAN
when the reservation starts and back to the default VLAN when it ends, the user sees the port
ready, and no injection attempt ever reaches the switch."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from switch_port_webhook import SimulatedSwitch

from e2e.api import VLAN_SCHEMA, Api
from e2e.conftest import Platform
from e2e.harness import eventually, free_port
from e2e.receivers import SwitchPortRig

pytestmark = pytest.mark.asyncio(loop_scope="session")

SWITCH_EVENTS = [
    "reservation.starting",
    "reservation.started",
    "reservation.ended",
    "reservation.cancelled",
]
PORTS = [f"Gi1/0/{n}" for n in range(1, 9)]
MANAGED = PORTS[:6]
DEFAULT_VLAN = 1


@pytest_asyncio.fixture(loop_scope="session")
async def switch() -> AsyncIterator[SimulatedSwitch]:
    simulated = SimulatedSwitch(
        hostname="sw1",
        interfaces=PORTS,
        username="netops",
        password="e2e-switch-password",
        enable_secret="e2e-enable-secret",
    )
    await simulated.start()
    yield simulated
    await simulated.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def rig(switch: SimulatedSwitch) -> AsyncIterator[SwitchPortRig]:
    started = SwitchPortRig(switch=switch, ports=MANAGED)
    yield started
    await started.stop()


async def subscribe_switch_port(
    api: Api, platform: Platform, rig: SwitchPortRig, site_id: str, **scope: Any
) -> dict[str, Any]:
    """What a resource owner does: subscribe the integration to the lifecycle events in
    ``scope``, bound to its Keycloak client, then give the receiver the secret shown once."""
    port = free_port()
    subscription = await api.create_subscription(
        "alice",
        site_id,
        name="switch ports",
        url=f"http://127.0.0.1:{port}/webhook",
        event_types=SWITCH_EVENTS,
        integration_client_id="switch-port-webhook",
        **scope,
    )
    await rig.start(
        port=port,
        webhook_secret=subscription["secret"],
        api_url=platform.api_url,
        oidc_issuer=platform.realm.issuer,
        client_secret=platform.realm.client_secret("switch-port-webhook"),
        allowed_vlans="100-199",
    )
    return subscription


async def test_booked_port_is_on_the_vlan_while_active_and_back_on_the_default_after(
    api: Api, platform: Platform, switch: SimulatedSwitch, rig: SwitchPortRig
) -> None:
    site = await api.create_site(members={"bob": "member"})
    port_type = await api.create_resource_type(
        "alice",
        site["id"],
        name="Switch port",
        parameters=VLAN_SCHEMA,
        lead_time="PT2S",
    )
    resource = await api.create_resource(
        "alice",
        site["id"],
        # The display name says another port: only the attributes count.
        name="lab port (Gi1/0/6 on sw9)",
        type_id=port_type["id"],
        attributes={"switch": "sw1", "interface": "Gi1/0/3"},
    )
    await subscribe_switch_port(
        api, platform, rig, site["id"], scope={"kind": "resource_type", "ids": [port_type["id"]]}
    )
    assert switch.port_state("Gi1/0/3").access_vlan == DEFAULT_VLAN

    start = datetime.now(UTC) + timedelta(seconds=4)
    booked = await api.book(
        "bob", resource["id"], start, start + timedelta(seconds=5), parameters={"vlan_id": 142}
    )
    assert booked.status_code == 201, booked.text
    reservation_id = booked.json()["id"]

    async def provisioning() -> dict[str, Any]:
        reservation = await api.reservation("bob", reservation_id)
        state: dict[str, Any] = reservation["provisioning"]
        return state

    async def ready() -> bool:
        return bool((await provisioning())["state"] == "ready")

    await eventually(ready, timeout=30, what="the reservation's port to be reported ready")
    port = switch.port_state("Gi1/0/3")
    assert (port.mode, port.access_vlan, port.shutdown) == ("access", 142, False)
    assert 142 in switch.running.vlans
    assert switch.saved, "the switch configuration was not saved"
    # Nothing but the reserved port changed, whatever the display name said.
    assert all(switch.port_state(p).access_vlan == DEFAULT_VLAN for p in PORTS if p != "Gi1/0/3")
    details = (await provisioning())["details"]
    assert details.get("vlan") == 142
    assert "1/0/3" in str(details.get("port"))

    notifications = await api.notifications("bob")
    ready_notes = [
        n
        for n in notifications
        if n["kind"] == "reservation.provisioning_changed"
        and reservation_id in str(n["links"])
        and "is ready" in n["message"]
    ]
    assert ready_notes, f"no 'ready' notification for the owner in {notifications}"

    async def released() -> bool:
        reservation = await api.reservation("bob", reservation_id)
        return bool(
            reservation["status"] == "completed"
            and reservation["provisioning"]["state"] == "released"
        )

    await eventually(released, timeout=30, what="the port to be released after the end")
    port = switch.port_state("Gi1/0/3")
    assert port.access_vlan == DEFAULT_VLAN
    assert port.mode == "access" and port.shutdown  # released ports are shut by default
    assert 142 not in switch.running.vlans, "the VLAN the integration created was left behind"
    assert switch.saved


async def test_injection_attempts_are_refused_and_the_switch_receives_no_command(
    api: Api, platform: Platform, switch: SimulatedSwitch, rig: SwitchPortRig
) -> None:
    site = await api.create_site(members={"bob": "member"})
    strict = await api.create_resource_type(
        "alice", site["id"], name="Switch port", parameters=VLAN_SCHEMA, lead_time="PT1M"
    )
    # A type whose schema lets anything through: the receiver is the last line of defence.
    lax = await api.create_resource_type(
        "alice",
        site["id"],
        name="Loose switch port",
        parameters={"type": "object"},
        lead_time="PT1M",
    )
    subscription = await subscribe_switch_port(
        api, platform, rig, site["id"], scope={"kind": "site"}
    )
    good_port = await api.create_resource(
        "alice",
        site["id"],
        name="port 3",
        type_id=strict["id"],
        attributes={"switch": "sw1", "interface": "Gi1/0/3"},
    )
    start = datetime.now(UTC) + timedelta(seconds=30)
    end = start + timedelta(minutes=30)

    # 1. The API's schema validation refuses a VLAN that is not an integer.
    for vlan in ("42\nreload", "1; no vlan 1", "142"):
        refused = await api.book("bob", good_port["id"], start, end, parameters={"vlan_id": vlan})
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "vlan_id" in refused.text

    # 2. What the API lets through reaches the receiver, which refuses it before any command.
    #    The lead time is longer than the notice, so `reservation.starting` is due at once.
    attempts: list[tuple[dict[str, Any], dict[str, Any]]] = [
        ({"switch": "sw1", "interface": "Gi1/0/4"}, {"vlan_id": "42\nreload"}),
        ({"switch": "sw1", "interface": "Gi1/0/4"}, {"vlan_id": "1; no vlan 1"}),
        ({"switch": "sw1", "interface": "Gi1/0/4 description x"}, {"vlan_id": 150}),
        ({"switch": "sw1", "interface": "Gi 1/0/4"}, {"vlan_id": 150}),
        ({"switch": "sw1", "interface": "Gi1/0/4\nreload"}, {"vlan_id": 150}),
        ({"switch": "sw1", "interface": "Gi1/0/4\r\nno vlan 1"}, {"vlan_id": 150}),
        ({"switch": "sw1\nreload", "interface": "Gi1/0/4"}, {"vlan_id": 150}),
    ]
    reservation_ids = []
    for n, (attributes, parameters) in enumerate(attempts):
        resource = await api.create_resource(
            "alice", site["id"], name=f"loose port {n}", type_id=lax["id"], attributes=attributes
        )
        booked = await api.book("bob", resource["id"], start, end, parameters=parameters)
        assert booked.status_code == 201, booked.text
        reservation_ids.append(booked.json()["id"])

    async def all_reported_failed() -> bool:
        for reservation_id in reservation_ids:
            reservation = await api.reservation("bob", reservation_id)
            if reservation["provisioning"]["state"] != "failed":
                return False
        return True

    await eventually(all_reported_failed, timeout=40, what="every attempt reported as refused")
    for reservation_id in reservation_ids:
        message = (await api.reservation("bob", reservation_id))["provisioning"]["message"]
        assert any(word in (message or "").lower() for word in ("vlan", "interface", "switch"))
    await rig.settle()
    assert switch.config_commands == []
    # A refused start never connects. A failed reservation is then released (its slots are
    # freed), and a release always looks at the switch for ports the reservation might hold:
    # at most one look per attempt whose switch and interface are valid, and no command.
    releasable = sum(1 for attributes, _ in attempts if attributes["interface"] == "Gi1/0/4"
                     and attributes["switch"] == "sw1")  # fmt: skip
    assert switch.logins <= releasable, "the integration connected to the switch for a start"
    assert all(switch.port_state(p).access_vlan == DEFAULT_VLAN for p in PORTS)
    # The owner sees why in the delivery log: the receiver answered, and said it refused.
    deliveries = await api.expect(
        200,
        "alice",
        "GET",
        f"/sites/{site['id']}/webhooks/{subscription['id']}/deliveries",
        params={"event_type": "reservation.starting", "size": 100},
    )
    assert len(deliveries["items"]) == len(attempts)
    for delivery in deliveries["items"]:
        assert (delivery["status"], delivery["last_status_code"]) == ("succeeded", 200)
        attempts_log = await api.expect(
            200,
            "alice",
            "GET",
            f"/sites/{site['id']}/webhooks/{subscription['id']}"
            f"/deliveries/{delivery['id']}/attempts",
        )
        assert '"refused"' in attempts_log["items"][-1]["response_excerpt"]
