"""Demo data, created through the public API with real tokens from the identity provider.

Seeding is idempotent: what it created is recorded in ``<data dir>/demo.json`` and a second run
finds it there (and in the database) instead of creating it again. If that file is lost, the
demo site is found by its slug and its types and resources by name. The switch-port example's
subscription is checked on every run: recreated if it was deleted, pointed at this run's
receiver address, re-enabled, and given a new secret when the one shown at creation is lost.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from reservation_testrealm.login import browser_client, code_flow

__all__ = ["DemoData", "SeedError", "Seeder", "user_token"]

REALM = "reservations"
WEB_CLIENT = "reservation-frontend"
SITE_SLUG = "demo-lab"
SWITCH = "sw1"
SWITCH_PORTS = [f"Gi1/0/{n}" for n in range(1, 5)]
INTEGRATION_CLIENT = "switch-port-webhook"
SUBSCRIPTION_NAME = "Switch-port example"
# The events the switch-port example acts on; it answers any other with "ignored".
SWITCH_PORT_EVENTS = [
    "reservation.starting",
    "reservation.started",
    "reservation.updated",
    "reservation.ended",
    "reservation.cancelled",
]
# The VLANs the switch-port example hands to reservations (one each).
TENANT_VLANS = "10-199"
VLAN_SCHEMA = {
    "type": "object",
    "properties": {
        "vlan_id": {
            "type": "integer",
            "title": "VLAN",
            "description": "The VLAN the port is put on while the booking runs.",
            "minimum": 2,
            "maximum": 4094,
        }
    },
    "required": ["vlan_id"],
    "additionalProperties": False,
}
# Short, so that a port booked a minute ahead is seen going on its VLAN in dev mode.
SWITCH_PORT_LEAD_TIME = "PT10S"
SWITCH_PORT_TEARDOWN_GRACE = "PT10S"

_TYPES: dict[str, dict[str, Any]] = {
    "server": {
        "name": "Server",
        "color": "#2563eb",
        "description": "Bare-metal servers",
        # node1 is installed by the server-provisioning example before the booking starts.
        "lead_time": "PT30S",
    },
    "switch-port": {
        "name": "Switch port",
        "color": "#16a34a",
        "description": "Access ports put on the reservation's VLAN while it runs",
        "parameters": VLAN_SCHEMA,
        "lead_time": SWITCH_PORT_LEAD_TIME,
        "teardown_grace": SWITCH_PORT_TEARDOWN_GRACE,
    },
    "rack": {"name": "Rack", "color": "#9333ea", "description": "Booking a rack books it all"},
    "switch": {
        "name": "Switch",
        "color": "#ea580c",
        "description": "Booking a switch books all its ports",
    },
}
ROOM = "Lab room 1.12"
# Bookings spread over the coming week so that the calendar and the dashboard show something
# on a first visit: (resource key, owner, title, day offset, start hour UTC, minutes, VLAN).
# Day 0 starts a few minutes from now (active soon after seeding); the others avoid the slots
# the dev-mode tests book (server-01 tomorrow, ports Gi1/0/1-2 and node1 right away).
DEMO_BOOKINGS: list[tuple[str, str, str, int, int | None, int, int | None]] = [
    ("server-02", "bob", "Kernel regression run", 0, None, 180, None),
    ("server-02", "alice", "Quick reboot check", 1, 14, 20, None),
    ("server-03", "alice", "Database migration rehearsal", 1, 8, 240, None),
    ("Gi1/0/3", "bob", "VLAN interop test", 2, 9, 150, 120),
    ("Gi1/0/4", "alice", "Firmware upgrade test", 3, 13, 240, 130),
    ("rack-b", "alice", "Rack B power maintenance", 4, 7, 120, None),
    ("server-04", "bob", "Load test", 5, 10, 480, None),
]
DEMO_TITLES = {booking[2] for booking in DEMO_BOOKINGS}


class SeedError(RuntimeError):
    """The API refused a step of the seeding."""


def user_token(idp_url: str, username: str, password: str, frontend_url: str) -> str:
    """An access token for a demo user, signed in through the identity provider's login page
    as the web app (``frontend_url``) would: no client of the realm allows the password grant."""
    with browser_client() as browser:
        token: dict[str, Any] = code_flow(
            browser,
            f"{idp_url}/realms/{REALM}",
            client_id=WEB_CLIENT,
            redirect_uri=f"{frontend_url}/",
            username=username,
            password=password,
        )
    return str(token["access_token"])


@dataclass
class DemoData:
    site_id: str
    resource_types: dict[str, str]
    resources: dict[str, str]
    webhook_secret: str | None = None
    subscription_id: str | None = None

    def save(self, path: Path) -> None:
        # The webhook secret is shown once by the API and kept only here: owner-only file.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(self.__dict__, out, indent=2)
        os.chmod(path, 0o600)

    @classmethod
    def load(cls, path: Path) -> DemoData | None:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None


class Seeder:
    def __init__(self, api_url: str, token: str, webhook_url: str) -> None:
        self.webhook_url = webhook_url
        self.client = httpx.Client(
            base_url=f"{api_url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=15.0,
        )
        self.warnings: list[str] = []

    def close(self) -> None:
        self.client.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self.client.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise SeedError(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", path, json=body).json()
        return result

    def _items(self, path: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self._call("GET", path, params={"size": 100}).json()["items"]
        return items

    def seed(self, state_path: Path) -> DemoData:
        data = DemoData.load(state_path)
        if data is None or self.client.get(f"/sites/{data.site_id}").status_code != 200:
            data = self._find_or_create()
        self._ensure_subscription(data)
        data.save(state_path)
        self._ensure_bookings(data)
        return data

    def _ensure_bookings(self, data: DemoData, now: datetime | None = None) -> None:
        """A few bookings in the coming week, unless the demo ones are there already."""
        now = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
        week = self._call(
            "GET",
            "/reservations",
            params={
                "site": data.site_id,
                "start": now.isoformat(),
                "end": (now + timedelta(days=7)).isoformat(),
                "size": 100,
            },
        ).json()["items"]
        if any(r["title"] in DEMO_TITLES for r in week):
            return
        members = {
            m["user"]["username"]: m["user"]["id"]
            for m in self._items(f"/sites/{data.site_id}/members")
        }
        for key, owner, title, day, hour, minutes, vlan in DEMO_BOOKINGS:
            if key not in data.resources or owner not in members:
                continue
            if hour is None:
                start = now + timedelta(minutes=2)
            else:
                start = (now + timedelta(days=day)).replace(hour=hour, minute=0)
            body: dict[str, Any] = {
                "resource_id": data.resources[key],
                "title": title,
                "description": "Demo booking (dev data).",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=minutes)).isoformat(),
                "owner_id": members[owner],
            }
            if vlan is not None:
                body["parameters"] = {"vlan_id": vlan}
            response = self.client.post("/reservations", json=body)
            if response.status_code >= 400:  # a slot taken by hand meanwhile: the demo lives
                self.warnings.append(f"demo booking {title!r} not made: {response.text[:200]}")

    def _find_or_create(self) -> DemoData:
        existing = self.client.get(f"/sites/{SITE_SLUG}")
        if existing.status_code == 200:
            site_id = str(existing.json()["id"])
        elif existing.status_code == 404:
            site = self._post(
                "/sites",
                {
                    "slug": SITE_SLUG,
                    "name": "Demo lab",
                    "description": "Servers and switch ports to try the platform with (dev data).",
                },
            )
            site_id = str(site["id"])
        else:
            raise SeedError(f"GET /sites/{SITE_SLUG}: {existing.status_code} {existing.text[:500]}")

        known_types = {
            t["name"]: str(t["id"]) for t in self._items(f"/sites/{site_id}/resource-types")
        }
        type_ids = {
            key: known_types.get(body["name"])
            or str(self._post(f"/sites/{site_id}/resource-types", body)["id"])
            for key, body in _TYPES.items()
        }
        known = {r["name"]: str(r["id"]) for r in self._items(f"/sites/{site_id}/resources")}

        def resource(
            name: str,
            type_key: str,
            parent: str | None = None,
            location: str = "",
            description: str = "",
            **attributes: Any,
        ) -> str:
            if name in known:
                return known[name]
            body: dict[str, Any] = {"name": name, "type_id": type_ids[type_key]}
            if parent:
                body["parent_id"] = parent
            if location:
                body["location"] = location
            if description:
                body["description"] = description
            if attributes:
                body["attributes"] = attributes
            return str(self._post(f"/sites/{site_id}/resources", body)["id"])

        resources: dict[str, str] = {}
        for rack, row, servers in (("a", 1, (1, 2)), ("b", 2, (3, 4))):
            where = f"{ROOM}, row {row}"
            resources[f"rack-{rack}"] = resource(f"Rack {rack.upper()}", "rack", location=where)
            for n in servers:
                resources[f"server-0{n}"] = resource(
                    f"server-0{n}",
                    "server",
                    resources[f"rack-{rack}"],
                    location=where,
                    description="1U server, 32 cores, 256 GB RAM (dev data)",
                )
        resources[SWITCH] = resource(
            SWITCH,
            "switch",
            location=f"{ROOM}, row 1",
            description="Access switch with four bookable ports (simulated in dev mode)",
        )
        for port in SWITCH_PORTS:
            # The example reads the switch and port from these attributes, never the name.
            resources[port] = resource(
                port, "switch-port", resources[SWITCH], location=f"{ROOM}, row 1",
                switch=SWITCH, interface=port,
            )  # fmt: skip

        for username, role in (("alice", "site-admin"), ("bob", "member")):
            response = self.client.post(
                f"/sites/{site_id}/members", json={"identifier": username, "role": role}
            )
            if response.status_code >= 400 and response.status_code != 409:
                self.warnings.append(f"could not add {username} to the demo site: {response.text}")

        return DemoData(site_id=site_id, resource_types=type_ids, resources=resources)

    def _ensure_subscription(self, data: DemoData) -> None:
        """Subscribe the switch-port example to the switch-port type's lifecycle events."""
        base = f"/sites/{data.site_id}/webhooks"
        if data.subscription_id is None:  # demo.json was lost: adopt the one made before, if any
            data.webhook_secret = None
            ours = [
                w
                for w in self._items(base)
                if w["name"] == SUBSCRIPTION_NAME
                and w["integration_client_id"] == INTEGRATION_CLIENT
            ]
            if ours:
                data.subscription_id = str(min(ours, key=lambda w: str(w["created_at"]))["id"])
        if data.subscription_id:
            current = self.client.get(f"{base}/{data.subscription_id}")
            if current.status_code == 200:
                self._update_subscription(data, current)
                return
            if current.status_code != 404:
                raise SeedError(f"GET {base}/{data.subscription_id}: {current.status_code}")
        created = self._post(
            base,
            {
                "name": SUBSCRIPTION_NAME,
                "description": "The switch-port example started by dev mode (dev data).",
                "url": self.webhook_url,
                "event_types": SWITCH_PORT_EVENTS,
                "scope": {"kind": "resource_type", "ids": [data.resource_types["switch-port"]]},
                "integration_client_id": INTEGRATION_CLIENT,
            },
        )
        data.subscription_id = str(created["id"])
        data.webhook_secret = str(created["secret"])

    def _update_subscription(self, data: DemoData, current: httpx.Response) -> None:
        path = f"/sites/{data.site_id}/webhooks/{data.subscription_id}"
        subscription = current.json()
        changes: dict[str, Any] = {}
        if subscription["url"] != self.webhook_url:  # another --host or --webhook-port
            changes["url"] = self.webhook_url
        if not subscription["enabled"]:
            changes["enabled"] = True
        if changes:
            self._call("PATCH", path, json=changes, headers={"If-Match": current.headers["ETag"]})
        if data.webhook_secret is None:
            # Secrets are shown once: a lost one is replaced, the old one stops at once.
            rotated = self._post(f"{path}/rotate-secret", {"grace_period": 0})
            data.webhook_secret = str(rotated["secret"])
