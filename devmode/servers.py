"""The server-provisioning example in dev mode: one emulated bare-metal host to book.

Four processes: the sushy-tools Redfish emulator (fake driver) holding one system, an HTTP
server for the demo "OS image", the simulated host (it boots from what the emulator holds and
lets the keys of the booking's owner and co-users in over SSH) and the receiver. The demo data
gains the host as a resource of the "Server" type (attribute ``host: node1``) and a
subscription bound to the ``server-provisioning-webhook`` client. Ports are picked free at
every start; the subscription follows the receiver's address.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from reservation_common.testing import free_port

from devmode.supervisor import Child, Supervisor, wait_for_http, wait_for_tcp

__all__ = ["SERVER_CLIENT", "ServerLab"]

SERVER_CLIENT = "server-provisioning-webhook"
SUBSCRIPTION_NAME = "Server-provisioning example"
HOST_NAME = "node1"
SYSTEM_UUID = "9a3c2f0e-5d1b-4c6e-8f7a-1b2c3d4e5f60"
EVENTS = [
    "reservation.starting",
    "reservation.updated",
    "reservation.ended",
    "reservation.cancelled",
]
TIMEOUT = 60.0


@dataclass
class _Saved:
    subscription_id: str | None = None
    webhook_secret: str | None = None


class ServerLab:
    def __init__(
        self,
        *,
        supervisor: Supervisor,
        data_dir: Path,
        host: str,
        receiver_host: str,
        api_url: str,
        issuer: str,
        base_env: dict[str, str],
    ) -> None:
        self.supervisor = supervisor
        self.dir = data_dir / "servers"
        self.host = host
        self.receiver_host = receiver_host
        self.api_url = api_url
        self.issuer = issuer
        self.base_env = base_env
        self.redfish_port = free_port(host)
        self.image_port = free_port(host)
        self.ssh_port = free_port(host)
        self.webhook_port = free_port(receiver_host)
        self.webhook_url = f"http://{receiver_host}:{self.webhook_port}"
        self.children: list[Child] = []

    def _launch(self, name: str, *argv: str, env: dict[str, str] | None = None) -> Child:
        child = self.supervisor.start(name, [sys.executable, *argv], env or self.base_env)
        self.children.append(child)
        return child

    def start_peers(self) -> None:
        """The emulator, the image server and the simulated host (no platform needed)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        images = self.dir / "images"
        images.mkdir(exist_ok=True)
        (images / "demo-os.iso").write_bytes(b"demo OS image (dev data)\n")
        systems = [{"uuid": SYSTEM_UUID, "name": HOST_NAME, "power_state": "Off", "nics": []}]
        config = self.dir / "emulator.conf"
        config.write_text(
            "SUSHY_EMULATOR_FAKE_DRIVER = True\n"
            f"SUSHY_EMULATOR_FAKE_SYSTEMS = {systems!r}\n"
            f"SUSHY_EMULATOR_STATE_DIR = {str(self.dir / 'emulator-state')!r}\n",
            encoding="utf-8",
        )
        self.emulator = self._launch(
            "redfish-emulator",
            "-m",
            "sushy_tools.emulator.main",
            "--fake",
            "--config",
            str(config),
            "--interface",
            self.host,
            "--port",
            str(self.redfish_port),
        )
        self.images = self._launch(
            "image-server",
            "-m",
            "http.server",
            str(self.image_port),
            "--bind",
            self.host,
            "--directory",
            str(images),
        )
        self.sim = self._launch(
            "simulated-host",
            "-m",
            "server_provisioning_webhook.hostsim",
            "--redfish",
            f"http://{self.host}:{self.redfish_port}",
            "--system",
            f"/redfish/v1/Systems/{SYSTEM_UUID}",
            "--ssh-port",
            str(self.ssh_port),
            "--host",
            self.host,
        )

    def seed(self, client: httpx.Client, site_id: str, server_type_id: str) -> None:
        """The host as a resource, and the receiver's subscription (secret kept in the data dir)."""
        state_path = self.dir / "subscription.json"
        saved = _Saved()
        if state_path.exists():
            saved = _Saved(**json.loads(state_path.read_text(encoding="utf-8")))
        resources = client.get(f"/sites/{site_id}/resources", params={"size": 100})
        names = {r["name"]: str(r["id"]) for r in resources.json()["items"]}
        host_id = names.get(HOST_NAME)
        if host_id is None:
            body = {
                "name": HOST_NAME,
                "type_id": server_type_id,
                "attributes": {"host": HOST_NAME},
                "description": "An emulated bare-metal host (Redfish emulator, dev data)",
            }
            host_id = str(_ok(client.post(f"/sites/{site_id}/resources", json=body))["id"])
        # The example manages this one host: the other demo servers are booked without it.
        scope = {"kind": "resource", "ids": [host_id], "include_subtree": False}
        base = f"/sites/{site_id}/webhooks"
        current = client.get(f"{base}/{saved.subscription_id}") if saved.subscription_id else None
        if current is not None and current.status_code == 200:
            changes: dict[str, Any] = {}
            if current.json()["url"] != f"{self.webhook_url}/webhook":
                changes["url"] = f"{self.webhook_url}/webhook"
            if current.json()["scope"]["ids"] != [host_id]:
                changes["scope"] = scope
            if changes:
                _ok(
                    client.patch(
                        f"{base}/{saved.subscription_id}",
                        json=changes,
                        headers={"If-Match": current.headers["ETag"]},
                    )
                )
        else:
            created = _ok(
                client.post(
                    base,
                    json={
                        "name": SUBSCRIPTION_NAME,
                        "description": "The server-provisioning example of dev mode (dev data).",
                        "url": f"{self.webhook_url}/webhook",
                        "event_types": EVENTS,
                        "scope": scope,
                        "integration_client_id": SERVER_CLIENT,
                    },
                )
            )
            saved = _Saved(str(created["id"]), str(created["secret"]))
        fd = os.open(state_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(saved.__dict__, out)
        assert saved.webhook_secret is not None
        self.webhook_secret = saved.webhook_secret

    def start_receiver(self) -> None:
        wait_for_tcp(self.host, self.redfish_port, timeout=TIMEOUT, alive=lambda: None)
        prefix = f"http://{self.host}:{self.image_port}/"
        hosts = {
            HOST_NAME: {
                "bmc_url": f"http://{self.host}:{self.redfish_port}",
                "system_id": f"/redfish/v1/Systems/{SYSTEM_UUID}",
                "username": "bmc",
                "password": "dev-only",
                "address": self.host,
                "ssh_port": self.ssh_port,
                "login_user": "cloud",
            }
        }
        env = {
            **self.base_env,
            "SERVER_PROV_HOST": self.receiver_host,
            "SERVER_PROV_PORT": str(self.webhook_port),
            "SERVER_PROV_PUBLIC_URL": self.webhook_url,
            "SERVER_PROV_WEBHOOK_SECRET": self.webhook_secret,
            "SERVER_PROV_STATE_PATH": str(self.dir / "receiver.sqlite3"),
            "SERVER_PROV_HOSTS": json.dumps(hosts),
            "SERVER_PROV_DEFAULT_IMAGE": f"{prefix}demo-os.iso",
            "SERVER_PROV_ALLOWED_IMAGE_PREFIXES": json.dumps([prefix]),
            "SERVER_PROV_API_URL": self.api_url,
            "SERVER_PROV_OIDC_ISSUER": self.issuer,
            "SERVER_PROV_CLIENT_ID": SERVER_CLIENT,
            # The test realm's dev default for this client, unless the environment has one.
            "SERVER_PROV_CLIENT_SECRET": os.environ.get(
                "KEYCLOAK_CLIENT_SECRET_SERVER_PROVISIONING_WEBHOOK", f"dev-secret-{SERVER_CLIENT}"
            ),
        }
        receiver = self._launch(SERVER_CLIENT, "-m", "server_provisioning_webhook", env=env)
        wait_for_http(
            f"{self.webhook_url}/healthz",
            timeout=TIMEOUT,
            alive=lambda: None,
            accept=lambda status: status == 200,
        )
        del receiver

    def describe(self) -> str:
        return (
            f"{self.webhook_url}/webhook  (emulated host {HOST_NAME}: add an SSH key to your "
            "profile, book it, log in with the line shown once it is ready)"
        )


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code} {response.text[:300]}"
        )
    return response.json()
