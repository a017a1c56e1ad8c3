"""`make dev` as a newcomer runs it: the launcher in a fresh directory, a real login through the
test realm, a booking over the API, a clean stop, and a second start that keeps the data."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from keycloak import KeycloakOpenID

REPO = Path(__file__).resolve().parents[2]
READY_TIMEOUT = 180.0
STOP_TIMEOUT = 40.0


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass
class Launch:
    process: subprocess.Popen[str]
    data_dir: Path
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads((self.data_dir / "devmode.json").read_text())
        return state

    def wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if any(line.strip() == "devmode: ready" for line in self.output):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        logs = self.data_dir / "logs"
        tails = "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-1500:]}"
            for log in sorted(logs.glob("*.log"))
        )
        pytest.fail("launcher not ready:\n" + "".join(self.output) + tails)

    def process_tree(self) -> list[psutil.Process]:
        """The launcher, every descendant, and the database server it started."""
        launcher = psutil.Process(self.process.pid)
        tree = [launcher, *launcher.children(recursive=True)]
        pg_pid = self.state["database_server_pid"]
        if pg_pid:
            pg = psutil.Process(pg_pid)
            tree += [pg, *pg.children(recursive=True)]
        return tree

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=STOP_TIMEOUT)
        self.close()
        return code

    def close(self) -> None:
        """Kill the launcher if it still runs, and release its output pipe."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.reader is not None:
            self.reader.join(timeout=10)
        if self.process.stdout is not None:
            self.process.stdout.close()


def launch(data_dir: Path, ports: list[int]) -> Launch:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "AMQP_URL"}}
    api, idp, processor, webhook, ssh = ports
    process = subprocess.Popen(
        [
            sys.executable,
            str(REPO / "devmode" / "run.py"),
            "--data-dir",
            str(data_dir),
            "--no-frontend-build",
            "--api-port",
            str(api),
            "--idp-port",
            str(idp),
            "--processor-port",
            str(processor),
            "--webhook-port",
            str(webhook),
            "--switch-ssh-port",
            str(ssh),
        ],
        cwd=data_dir.parent,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    result = Launch(process, data_dir)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            result.output.append(line)

    result.reader = threading.Thread(target=pump, daemon=True)
    result.reader.start()
    return result


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("devmode") / ".dev-data"


@pytest.fixture(scope="module")
def ports() -> list[int]:
    return free_ports(5)


@pytest.fixture(scope="module")
def first_run(data_dir: Path, ports: list[int]) -> Iterator[Launch]:
    run = launch(data_dir, ports)
    try:
        run.wait_ready()
        yield run
    finally:
        run.close()


def token(run: Launch, username: str, password: str) -> str:
    idp_port = run.state["ports"]["idp"]
    openid = KeycloakOpenID(
        server_url=f"http://127.0.0.1:{idp_port}/",
        realm_name="reservations",
        client_id="reservation-cli",
    )
    return str(openid.token(username, password)["access_token"])


def api(run: Launch, access_token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{run.state['api_url']}/api/v1",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=15.0,
    )


BOOKING: dict[str, Any] = {}


def test_launcher_prints_the_url_and_the_demo_logins(first_run: Launch) -> None:
    text = "".join(first_run.output)
    assert first_run.state["api_url"] in text
    for login in ("admin  / password", "alice  / alice", "bob    / bob"):
        assert login in text
    assert "embedded PostgreSQL" in text


def test_member_logs_in_through_the_test_realm_and_books_a_server(first_run: Launch) -> None:
    access_token = token(first_run, "alice", "alice")
    server = first_run.state["resources"]["server-01"]
    start = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    with api(first_run, access_token) as client:
        me = client.get("/users/me")
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "alice"
        created = client.post(
            "/reservations",
            json={
                "resource_id": server,
                "title": "dev-mode check",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=2)).isoformat(),
            },
        )
        assert created.status_code == 201, created.text
        reservation = created.json()
        BOOKING["id"] = reservation["id"]
        clash = client.post(
            "/reservations",
            json={
                "resource_id": server,
                "title": "overlapping",
                "start": (start + timedelta(hours=1)).isoformat(),
                "end": (start + timedelta(hours=3)).isoformat(),
            },
        )
        assert clash.status_code == 409, clash.text


def test_switch_port_booking_is_provisioned_by_the_example(first_run: Launch) -> None:
    access_token = token(first_run, "alice", "alice")
    port = first_run.state["resources"]["Gi1/0/1"]
    start = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    with api(first_run, access_token) as client:
        created = client.post(
            "/reservations",
            json={
                "resource_id": port,
                "title": "VLAN 42 for a test",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
                "parameters": {"vlan_id": 42},
            },
        )
        assert created.status_code == 201, created.text
        url = f"/reservations/{created.json()['id']}"
        deadline = time.monotonic() + 60
        provisioning: Any = None
        while time.monotonic() < deadline:
            provisioning = client.get(url).json().get("provisioning")
            if provisioning and provisioning.get("state") == "ready":
                return
            time.sleep(1)
        pytest.fail(f"no ready report within 60 s; provisioning = {provisioning}")


def test_stop_leaves_no_process_behind(first_run: Launch) -> None:
    tree = first_run.process_tree()
    assert len(tree) >= 6  # launcher, identity provider, backend, processor, switch, database
    assert first_run.stop() == 0
    _, alive = psutil.wait_procs(tree, timeout=10)
    assert alive == [], [p.info if hasattr(p, "info") else p.pid for p in alive]
    assert "devmode: stopped" in "".join(first_run.output)


def test_second_start_on_the_same_directory_keeps_the_data(
    first_run: Launch, data_dir: Path, ports: list[int]
) -> None:
    assert first_run.process.poll() is not None, "runs after the first launcher stopped"
    site_id = first_run.state["site_id"]
    run = launch(data_dir, ports)
    try:
        run.wait_ready()
        assert "seeding" in "".join(run.output)
        assert run.state["site_id"] == site_id
        with api(run, token(run, "alice", "alice")) as client:
            kept = client.get(f"/reservations/{BOOKING['id']}")
            assert kept.status_code == 200, kept.text
            assert kept.json()["title"] == "dev-mode check"
        with api(run, token(run, "admin", "password")) as client:
            sites = client.get("/sites", params={"size": 100}).json()["items"]
            assert [s["slug"] for s in sites].count("demo-lab") == 1
        tree = run.process_tree()
        assert run.stop() == 0
        _, alive = psutil.wait_procs(tree, timeout=10)
        assert alive == []
    finally:
        run.close()
