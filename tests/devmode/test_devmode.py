"""`make dev` as a newcomer runs it: the launcher in a fresh directory, a real login through the
test realm, bookings over the API, a switch port provisioned by the switch-port example against
the simulated switch, a clean stop, and a second start that keeps the data.

The tests of this module share one launcher run (in-process event transport) and then a second
one on the same directory with ``AMQP_URL`` set (RabbitMQ, under exchange and queue names of
this run, deleted at the end), in file order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import asyncssh
import httpx
import psutil
import pytest
from reservation_common.testing import free_ports, spawn_python, stop_process
from reservation_testrealm.login import browser_client, code_flow
from reservation_testrealm.real import REALM

from .helpers import REPO

READY_TIMEOUT = 150.0
STOP_TIMEOUT = 40.0
PROVISION_TIMEOUT = 45.0
SWITCH_LOGIN = {"username": "netops", "password": "netops"}  # the launcher's dev defaults
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass
class Launch:
    process: subprocess.Popen[str]
    data_dir: Path
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def text(self) -> str:
        return "".join(self.output)

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
        pytest.fail("launcher not ready:\n" + self.text + tails)

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
        code = stop_process(self.process, grace=STOP_TIMEOUT)
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


def launch(data_dir: Path, ports: list[int], extra_env: dict[str, str] | None = None) -> Launch:
    # The launcher's own database and broker, whatever this shell points at.
    env: dict[str, str | None] = {"DATABASE_URL": None, "AMQP_URL": None, **(extra_env or {})}
    api, idp, processor, webhook, ssh, smtp, mail = ports
    process = spawn_python(
        [
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
            "--smtp-port",
            str(smtp),
            "--mail-port",
            str(mail),
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
def data_dir() -> Iterator[Path]:
    # The embedded PostgreSQL drops root privileges, so its data directory must not sit below
    # pytest's private (0700) temporary directory when the tests run as root, as CI does.
    parent = Path(tempfile.mkdtemp(prefix="devmode-test-"))
    parent.chmod(0o755)
    try:
        yield parent / ".dev-data"
    finally:
        shutil.rmtree(parent, ignore_errors=True)


@pytest.fixture(scope="module")
def ports() -> list[int]:
    return free_ports(7)


@pytest.fixture(scope="module")
def first_run(data_dir: Path, ports: list[int]) -> Iterator[Launch]:
    run = launch(data_dir, ports)
    try:
        run.wait_ready()
        yield run
    finally:
        run.close()


@dataclass(frozen=True)
class BrokerNames:
    exchange: str
    queue: str

    @property
    def env(self) -> dict[str, str]:
        """What the launcher passes on to the backend's relay and to the processor."""
        return {
            "AMQP_URL": AMQP_URL,
            "RESERVATION_BE_RELAY_EXCHANGE": self.exchange,
            "RESERVATION_EP_EXCHANGE": self.exchange,
            "RESERVATION_EP_QUEUE": self.queue,
        }

    async def queue_consumers(self) -> int:
        async with await aio_pika.connect(AMQP_URL) as connection:
            channel = await connection.channel()
            queue = await channel.declare_queue(self.queue, passive=True)
            return int(queue.declaration_result.consumer_count)

    async def delete(self) -> None:
        async with await aio_pika.connect(AMQP_URL) as connection:
            channel = await connection.channel()
            # The processor declares its queue and a dead-letter exchange and queue.
            for queue in (self.queue, f"{self.queue}.dead"):
                with contextlib.suppress(aio_pika.exceptions.AMQPError):
                    await channel.queue_delete(queue)
            for exchange in (self.exchange, f"{self.queue}.dead"):
                with contextlib.suppress(aio_pika.exceptions.AMQPError):
                    await channel.exchange_delete(exchange)


@pytest.fixture(scope="module")
def broker() -> Iterator[BrokerNames]:
    suffix = uuid.uuid4().hex[:12]
    names = BrokerNames(exchange=f"devmode.events.{suffix}", queue=f"devmode-processor-{suffix}")
    yield names
    asyncio.run(names.delete())


@pytest.fixture(scope="module")
def second_run(
    first_run: Launch, data_dir: Path, ports: list[int], broker: BrokerNames
) -> Iterator[Launch]:
    assert first_run.process.poll() is not None, "starts after the first launcher stopped"
    run = launch(data_dir, ports, broker.env)
    try:
        run.wait_ready()
        yield run
    finally:
        run.close()


def token(run: Launch, username: str, password: str) -> str:
    idp_port = run.state["ports"]["idp"]
    with browser_client() as browser:
        tokens = code_flow(
            browser,
            f"http://127.0.0.1:{idp_port}/realms/{REALM}",
            client_id="reservation-frontend",
            redirect_uri=f"{run.state['api_url']}/",
            username=username,
            password=password,
        )
    return str(tokens["access_token"])


def api(run: Launch, access_token: str) -> httpx.Client:
    return httpx.Client(
        base_url=f"{run.state['api_url']}/api/v1",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=15.0,
    )


def poll(check: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Call ``check`` until it returns something truthy; fail with its last answer."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    pytest.fail(f"{what}: not within {timeout:.0f} s (last: {last!r})")


def book_port_and_wait_until_ready(run: Launch, port: str, vlan_id: int) -> dict[str, Any]:
    """Book a switch port a few seconds ahead as a member; return the `ready` provisioning."""
    resource_id = run.state["resources"][port]
    start = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    with api(run, token(run, "bob", "bob")) as client:
        created = client.post(
            "/reservations",
            json={
                "resource_id": resource_id,
                "title": f"VLAN {vlan_id} for a test",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
                "parameters": {"vlan_id": vlan_id},
            },
        )
        assert created.status_code == 201, created.text
        url = f"/reservations/{created.json()['id']}"

        def ready() -> dict[str, Any] | None:
            provisioning: dict[str, Any] = client.get(url).json()["provisioning"]
            assert provisioning["state"] != "failed", provisioning
            return provisioning if provisioning["state"] == "ready" else None

        provisioning: dict[str, Any] = poll(
            ready, timeout=PROVISION_TIMEOUT, what=f"{port} reported ready"
        )
        return provisioning


async def switch_vlans(run: Launch) -> str:
    """``show vlan brief`` on the simulated switch, over SSH as an operator would run it."""
    async with asyncssh.connect(
        "127.0.0.1",
        port=run.state["ports"]["switch_ssh"],
        known_hosts=None,  # the simulator makes a new host key every start
        **SWITCH_LOGIN,
    ) as conn:
        result = await conn.run("show vlan brief", check=True)
    return str(result.stdout)


def vlan_ports(show_vlan_brief: str, vlan_id: int) -> str | None:
    match = re.search(rf"^{vlan_id}\s+(\S+)\s+active\s*(.*)$", show_vlan_brief, re.MULTILINE)
    return f"{match.group(1)} {match.group(2)}" if match else None


BOOKING: dict[str, Any] = {}


def test_launcher_prints_the_url_and_the_demo_logins(first_run: Launch) -> None:
    assert first_run.state["api_url"] in first_run.text
    for login in ("admin  / password", "alice  / alice", "bob    / bob"):
        assert login in first_run.text
    assert "embedded PostgreSQL" in first_run.text
    assert "in-process transport" in first_run.text
    assert f"uv run rsv login --server {first_run.state['api_url']}" in first_run.text


def test_a_second_launcher_on_the_same_directory_is_refused(
    first_run: Launch, data_dir: Path, ports: list[int]
) -> None:
    intruder = launch(data_dir, free_ports(7))
    try:
        assert intruder.process.wait(timeout=60) == 1
    finally:
        intruder.close()
    assert "already runs on" in intruder.text
    assert "starting" not in intruder.text
    # The running stack is untouched.
    assert httpx.get(f"{first_run.state['api_url']}/readyz", timeout=5).status_code == 200


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
        BOOKING["id"] = created.json()["id"]
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


def test_the_booking_confirmation_and_its_invitation_show_on_the_mail_page(
    first_run: Launch,
) -> None:
    assert BOOKING, "runs after the booking test"
    mail_url = first_run.state["mail_url"]
    assert f"{mail_url}/" in first_run.text  # the banner links the page
    deadline = time.monotonic() + 60
    found: list[dict[str, Any]] = []
    while not found and time.monotonic() < deadline:
        mails = httpx.get(f"{mail_url}/api/mails", timeout=5).json()
        found = [m for m in mails if m["subject"] == "Booking confirmed: dev-mode check"]
        if not found:
            time.sleep(0.5)
    assert found, "no confirmation mail reached the dev sink"
    assert found[0]["to"] == ["alice@example.com"]
    assert found[0]["invitation"] == "REQUEST"
    page = httpx.get(f"{mail_url}/mails/{found[0]['id']}", timeout=5)
    assert f"UID:reservation-{BOOKING['id']}@localhost" in page.text


def test_a_reminder_arrives_in_the_sink_once_it_is_due(first_run: Launch) -> None:
    """A booking starting in a little over a minute, with reminders one minute before the start:
    the reminder mail reaches the dev sink, not before it is due."""
    mail_url = first_run.state["mail_url"]
    server = first_run.state["resources"]["server-04"]  # free today in the demo data
    with api(first_run, token(first_run, "bob", "bob")) as client:
        prefs = client.patch(
            "/users/me/notification-preferences", json={"reminder_start_minutes": 1}
        )
        assert prefs.status_code == 200, prefs.text
        start = (datetime.now(UTC) + timedelta(seconds=100)).replace(microsecond=0)
        created = client.post(
            "/reservations",
            json={
                "resource_id": server,
                "title": "dev-mode reminder",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=10)).isoformat(),
            },
        )
        assert created.status_code == 201, created.text
        due = start - timedelta(minutes=1)

        def reminder() -> dict[str, Any] | None:
            mails = httpx.get(f"{mail_url}/api/mails", timeout=5).json()
            return next(
                (
                    m
                    for m in mails
                    if m["kind"] == "reminder_start" and "dev-mode reminder" in m["subject"]
                ),
                None,
            )

        # Due in about 40 s; the dev worker looks every 5 s. Bounded well beyond that.
        wait = max(0.0, (due - datetime.now(UTC)).total_seconds()) + 90
        mail = poll(reminder, timeout=wait, what="the reminder mail in the dev sink")
        assert mail["to"] == ["bob@example.com"]
        assert datetime.fromisoformat(mail["received_at"]) >= due - timedelta(seconds=1)
        assert mail["list_unsubscribe"], "reminders carry one-click unsubscribe"
        page = httpx.get(f"{mail_url}/mails/{mail['id']}", timeout=5)
        assert "dev-mode reminder" in page.text
        # Exactly once: the worker's later passes write no second one.
        time.sleep(6)
        mails = httpx.get(f"{mail_url}/api/mails", timeout=5).json()
        assert [m["kind"] for m in mails if "dev-mode reminder" in m["subject"]].count(
            "reminder_start"
        ) == 1
        cancelled = client.post(f"/reservations/{created.json()['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text


async def test_switch_port_booking_is_put_on_its_vlan_and_reported_ready(
    first_run: Launch,
) -> None:
    assert vlan_ports(await switch_vlans(first_run), 42) is None
    provisioning = await asyncio.to_thread(book_port_and_wait_until_ready, first_run, "Gi1/0/1", 42)
    assert provisioning["details"]["vlan"] == 42
    assert "1/0/1" in str(provisioning["details"]["port"])
    on_vlan = vlan_ports(await switch_vlans(first_run), 42)
    assert on_vlan is not None and "Gi1/0/1" in on_vlan, on_vlan


async def test_server_booking_is_installed_for_its_owner_and_wiped_when_cancelled(
    first_run: Launch,
) -> None:
    key = asyncssh.generate_private_key("ssh-ed25519")
    public = key.export_public_key("openssh").decode().strip()
    with api(first_run, token(first_run, "bob", "bob")) as client:
        added = client.post(
            "/users/me/ssh-keys", json={"name": "dev-mode check", "public_key": public}
        )
        assert added.status_code in (201, 409), added.text
        site = first_run.state["site_id"]
        found = client.get(f"/sites/{site}/resources", params={"size": 100}).json()["items"]
        node1 = next(r for r in found if r["name"] == "node1")
        start = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
        created = client.post(
            "/reservations",
            json={
                "resource_id": node1["id"],
                "title": "a server for a test",
                "start": start.isoformat(),
                "end": (start + timedelta(minutes=30)).isoformat(),
            },
        )
        assert created.status_code == 201, created.text
        booked = time.monotonic()
        url = f"/reservations/{created.json()['id']}"

        def provisioning(state: str) -> dict[str, Any] | None:
            current: dict[str, Any] = client.get(url).json()["provisioning"]
            assert current["state"] != "failed", current
            return current if current["state"] == state else None

        ready = poll(lambda: provisioning("ready"), timeout=120, what="node1 reported ready")
        ready_after = time.monotonic() - booked
        details = ready["details"]
        assert details["user"] == "cloud"
        assert details["login"] == f"ssh -p {details['port']} cloud@{details['address']}"
        async with asyncssh.connect(
            details["address"], port=details["port"], username="cloud", client_keys=[key],
            known_hosts=None,
        ) as conn:  # fmt: skip
            assert (await conn.run("true")).exit_status == 0

        cancelled = time.monotonic()
        assert client.post(f"{url}/cancel", json={}).status_code == 200
        poll(lambda: provisioning("released"), timeout=60, what="node1 released")
        # Figures for the reader (-s), never asserted: they are mostly the emulator's delays.
        print(f"\nnode1: ready {ready_after:.1f} s after booking, released "
              f"{time.monotonic() - cancelled:.1f} s after cancelling")  # fmt: skip

    async def logs_in() -> bool:
        try:
            async with asyncssh.connect(
                details["address"], port=details["port"], username="cloud", client_keys=[key],
                known_hosts=None,
            ):  # fmt: skip
                return True
        except (OSError, asyncssh.Error):
            return False

    # The host sees its power go off when it next polls its BMC (every 0.3 s): bounded wait.
    deadline = time.monotonic() + 15
    while await logs_in():
        assert time.monotonic() < deadline, "the owner's key still logs in after the release"
        await asyncio.sleep(0.3)


def test_processor_reaches_the_dev_receiver_and_no_other_loopback_address(
    first_run: Launch,
) -> None:
    state = first_run.state
    receiver_host = urlsplit(state["webhook_url"]).hostname
    assert receiver_host == "127.0.0.2", "receivers listen on an address of their own"
    site = f"/sites/{state['site_id']}/webhooks"
    with api(first_run, token(first_run, "alice", "alice")) as client:
        to_api = client.post(
            site,
            json={
                "name": "points at the API",
                "url": f"{state['api_url']}/api/v1/users/me",
                "event_types": ["webhook.ping"],
            },
        )
        assert to_api.status_code == 201, to_api.text
        subscriptions = {"receiver": state["subscription_id"], "api": to_api.json()["id"]}
        for subscription_id in subscriptions.values():
            sent = client.post(f"{site}/{subscription_id}/test")
            assert sent.status_code == 202, sent.text

        def finished(subscription_id: str) -> dict[str, Any] | None:
            deliveries = client.get(f"{site}/{subscription_id}/deliveries").json()["items"]
            pings = [d for d in deliveries if d["event_type"] == "webhook.ping"]
            done = [d for d in pings if d["status"] != "pending"]
            return done[0] if done else None

        receiver = poll(lambda: finished(subscriptions["receiver"]), timeout=30, what="ping")
        assert receiver["status"] == "succeeded", receiver
        refused = poll(lambda: finished(subscriptions["api"]), timeout=30, what="refusal")
        assert refused["status"] == "failed", refused
        assert refused["last_status_code"] is None, "no request reached the API"
        assert "allow-listed" in refused["last_error"], refused


def test_stop_leaves_no_process_behind(first_run: Launch) -> None:
    tree = first_run.process_tree()
    names = set(first_run.state["children"])
    assert {"testrealm", "backend", "event-processor", "switch-simulator"} <= names
    assert "switch-port-webhook" in names
    assert {"redfish-emulator", "simulated-host", "server-provisioning-webhook"} <= names
    assert first_run.stop() == 0
    _, alive = psutil.wait_procs(tree, timeout=10)
    assert alive == [], [p.pid for p in alive]
    assert "devmode: stopped" in first_run.text


def test_second_start_on_the_same_directory_keeps_the_data(
    first_run: Launch, second_run: Launch
) -> None:
    assert "seeding" in second_run.text
    assert second_run.state["site_id"] == first_run.state["site_id"]
    assert second_run.state["subscription_id"] == first_run.state["subscription_id"]
    with api(second_run, token(second_run, "alice", "alice")) as client:
        kept = client.get(f"/reservations/{BOOKING['id']}")
        assert kept.status_code == 200, kept.text
        assert kept.json()["title"] == "dev-mode check"
    with api(second_run, token(second_run, "admin", "password")) as client:
        sites = client.get("/sites", params={"size": 100}).json()["items"]
        assert [s["slug"] for s in sites].count("demo-lab") == 1


async def test_second_start_with_rabbitmq_provisions_with_the_kept_receiver_secret(
    second_run: Launch, broker: BrokerNames
) -> None:
    assert "RabbitMQ (AMQP_URL)" in second_run.text
    assert await broker.queue_consumers() == 1, "the processor consumes this run's queue"
    # Events now travel outbox -> relay -> RabbitMQ -> processor; the receiver verifies their
    # signatures with the secret kept from the first run.
    provisioning = await asyncio.to_thread(
        book_port_and_wait_until_ready, second_run, "Gi1/0/2", 43
    )
    assert provisioning["details"]["vlan"] == 43
    on_vlan = vlan_ports(await switch_vlans(second_run), 43)
    assert on_vlan is not None and "Gi1/0/2" in on_vlan, on_vlan


def test_second_stop_leaves_no_process_behind(second_run: Launch) -> None:
    tree = second_run.process_tree()
    assert second_run.stop() == 0
    _, alive = psutil.wait_procs(tree, timeout=10)
    assert alive == [], [p.pid for p in alive]
