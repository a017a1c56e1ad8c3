"""Demo data, created through the public API with real tokens from the identity provider.

Seeding is idempotent: what it created is recorded in ``<data dir>/demo.json`` and a second run
finds it there (and in the database) instead of creating it again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from keycloak import KeycloakOpenID

__all__ = ["DemoData", "Seeder", "user_token"]

REALM = "reservations"
CLI_CLIENT = "reservation-cli"
SITE_SLUG = "demo-lab"
SWITCH = "sw1"
SWITCH_PORTS = [f"Gi1/0/{n}" for n in range(1, 5)]
LIFECYCLE_EVENTS = [
    "reservation.created",
    "reservation.updated",
    "reservation.cancelled",
    "reservation.starting",
    "reservation.started",
    "reservation.ending_soon",
    "reservation.ended",
]
VLAN_SCHEMA = {
    "type": "object",
    "properties": {"vlan_id": {"type": "integer", "minimum": 2, "maximum": 4094}},
    "required": ["vlan_id"],
    "additionalProperties": False,
}


def user_token(idp_url: str, username: str, password: str) -> str:
    """An access token for a demo user (direct grant of the dev CLI client)."""
    openid = KeycloakOpenID(server_url=f"{idp_url}/", realm_name=REALM, client_id=CLI_CLIENT)
    token: dict[str, Any] = openid.token(username, password)
    return str(token["access_token"])


@dataclass
class DemoData:
    site_id: str
    resource_types: dict[str, str]
    resources: dict[str, str]
    webhook_secret: str | None = None
    subscription_id: str | None = None

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=2), encoding="utf-8")
        # The webhook secret is shown once by the API and kept only here.
        os.chmod(path, 0o600)

    @classmethod
    def load(cls, path: Path) -> DemoData | None:
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None


class Seeder:
    def __init__(self, api_url: str, token: str, webhook_url: str) -> None:
        self.api_url = api_url
        self.webhook_url = webhook_url
        self.client = httpx.Client(
            base_url=f"{api_url}/api/v1",
            headers={"Authorization": f"Bearer {token}"},
            timeout=15.0,
        )
        self.warnings: list[str] = []

    def close(self) -> None:
        self.client.close()

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(path, json=body)
        if response.status_code >= 400:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
        result: dict[str, Any] = response.json()
        return result

    def site_exists(self, site_id: str) -> bool:
        return self.client.get(f"/sites/{site_id}").status_code == 200

    def seed(self, state_path: Path) -> DemoData:
        known = DemoData.load(state_path)
        if known is not None and self.site_exists(known.site_id):
            if known.webhook_secret is None:
                self._subscribe(known)
                known.save(state_path)
            return known

        site = self._post(
            "/sites",
            {
                "slug": SITE_SLUG,
                "name": "Demo lab",
                "description": "Servers and switch ports to try the platform with (dev data).",
            },
        )
        site_id = str(site["id"])
        types = {
            "server": self._post(
                f"/sites/{site_id}/resource-types",
                {"name": "Server", "color": "#2563eb", "description": "Bare-metal servers"},
            ),
            "switch-port": self._post(
                f"/sites/{site_id}/resource-types",
                {
                    "name": "Switch port",
                    "color": "#16a34a",
                    "description": "Access ports put on the reservation's VLAN while it runs",
                    "parameters": VLAN_SCHEMA,
                    "lead_time": "PT1M",
                    "teardown_grace": "PT1M",
                },
            ),
            "rack": self._post(
                f"/sites/{site_id}/resource-types",
                {"name": "Rack", "color": "#9333ea", "description": "Booking a rack books it all"},
            ),
        }
        type_ids = {key: str(value["id"]) for key, value in types.items()}

        def resource(name: str, type_key: str, parent: str | None = None, **attributes: Any) -> str:
            body: dict[str, Any] = {"name": name, "type_id": type_ids[type_key]}
            if parent:
                body["parent_id"] = parent
            if attributes:
                body["attributes"] = attributes
            return str(self._post(f"/sites/{site_id}/resources", body)["id"])

        resources: dict[str, str] = {}
        resources["rack-a"] = resource("Rack A", "rack")
        for n in (1, 2):
            resources[f"server-0{n}"] = resource(f"server-0{n}", "server", resources["rack-a"])
        for port in SWITCH_PORTS:
            resources[port] = resource(port, "switch-port", switch=SWITCH, interface=port)

        for username, role in (("alice", "site-admin"), ("bob", "member")):
            response = self.client.post(
                f"/sites/{site_id}/members", json={"identifier": username, "role": role}
            )
            if response.status_code >= 400:
                self.warnings.append(f"could not add {username} to the demo site: {response.text}")

        data = DemoData(site_id=site_id, resource_types=type_ids, resources=resources)
        self._subscribe(data)
        data.save(state_path)
        return data

    def _subscribe(self, data: DemoData) -> None:
        """Subscribe the switch-port example to the switch-port type's lifecycle events."""
        paths = self.client.get("/openapi.json").json().get("paths", {})
        path = "/api/v1/sites/{site}/webhooks"
        if path not in paths or "post" not in paths[path]:
            self.warnings.append(
                "the API has no webhook subscriptions yet: the switch-port example is not started"
            )
            return
        created = self._post(
            f"/sites/{data.site_id}/webhooks",
            {
                "name": "Switch-port example",
                "url": self.webhook_url,
                "event_types": LIFECYCLE_EVENTS,
                "scope": "resource_type",
                "resource_type_id": data.resource_types["switch-port"],
                "integration_client_id": "switch-port-webhook",
            },
        )
        data.subscription_id = str(created["id"])
        data.webhook_secret = str(created["secret"])
