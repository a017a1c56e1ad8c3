"""The launcher's small decisions, without starting anything."""

from __future__ import annotations

import importlib.util
import json
import os
import smtplib
import socket
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings
from reservation_be.mail.settings import MailSettings
from reservation_be.settings import Settings as BackendSettings
from reservation_be.workers.settings import WorkerSettings
from reservation_common.testing import free_ports
from reservation_event_processor.settings import Settings as ProcessorSettings
from switch_port_webhook.settings import Settings as SwitchPortSettings

from .helpers import REPO


def load(name: str) -> ModuleType:
    """A module of the repository's ``devmode/`` (this test package has the same name)."""
    spec = importlib.util.spec_from_file_location(
        f"launcher_{name}", REPO / "devmode" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


PORT_OPTIONS = ["api", "processor", "webhook", "switch-ssh", "smtp", "mail"]
receivers = load("receivers")
database = load("database")


def test_receivers_get_a_loopback_address_of_their_own() -> None:
    assert receivers.receiver_host("127.0.0.1") == "127.0.0.2"


def test_an_explicit_receiver_host_is_kept() -> None:
    assert receivers.receiver_host("127.0.0.1", "127.0.0.9") == "127.0.0.9"


@pytest.mark.parametrize("host", ["localhost", "10.1.2.3", "::1", "127.0.0.2"])
def test_receivers_share_a_host_that_is_not_an_ipv4_loopback_address(host: str) -> None:
    assert receivers.receiver_host(host) == host


def test_any_postgresql_url_is_given_to_sqlalchemy_as_asyncpg() -> None:
    for given in ("postgres://u@h/db", "postgresql://u@h/db", "postgresql+psycopg://u@h/db"):
        assert database.asyncpg_url(given) == "postgresql+asyncpg://u@h/db"


def test_a_given_database_url_is_shown_without_its_password(tmp_path: Path) -> None:
    opened = database.open_database(tmp_path, "postgresql://dev:s3cret@db.example:5432/app")
    assert opened.url == "postgresql+asyncpg://dev:s3cret@db.example:5432/app"
    assert "s3cret" not in opened.description
    assert opened.embedded is None
    assert not (tmp_path / "postgres").exists()


def test_dead_launchers_are_forgotten_by_the_embedded_server(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([dead.pid, os.getpid()]))
    database.forget_dead_handles(tmp_path)
    assert json.loads(handles.read_text()) == [os.getpid()]


def test_forgetting_handles_without_a_server_directory_changes_nothing(tmp_path: Path) -> None:
    database.forget_dead_handles(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()


def test_a_taken_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = subprocess.run(
            [
                sys.executable,
                str(REPO / "devmode" / "run.py"),
                "--data-dir",
                str(tmp_path / ".dev-data"),
                "--no-frontend-build",
                "--idp-port",
                str(port),
                *(
                    f"--{name}-port={p}"
                    for name, p in zip(PORT_OPTIONS, free_ports(len(PORT_OPTIONS)), strict=True)
                ),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert finished.returncode == 1
    assert f"127.0.0.1:{port} (--idp-port)" in finished.stderr
    assert "starting" not in finished.stdout
    assert not (tmp_path / ".dev-data" / "postgres").exists()


ENV_NAMES_SCRIPT = """
import json, os, sys
sys.path.insert(0, os.getcwd())
from devmode.database import Database
from devmode.run import DevStack, parse_args
stack = DevStack(parse_args(["--data-dir", sys.argv[1]]))
stack.database = Database(url="postgresql+asyncpg://dev@/reservations")
given = set(os.environ)
print(json.dumps({
    "backend": sorted(set(stack.backend_env(None)) - given),
    "processor": sorted(set(stack.processor_env()) - given),
    "switch-port": sorted(set(stack.webhook_env("whsec_dev")) - given),
}))
"""


def accepted_env_names(*classes: type[BaseSettings]) -> set[str]:
    names: set[str] = set()
    for cls in classes:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for field_name, field in cls.model_fields.items():
            names.add(f"{prefix}{field_name}".upper())
            if isinstance(field.validation_alias, AliasChoices):
                names.update(str(c).upper() for c in field.validation_alias.choices)
    return names


def test_the_launcher_sets_only_environment_names_the_services_read(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "AMQP_URL"}}
    finished = subprocess.run(
        [sys.executable, "-c", ENV_NAMES_SCRIPT, str(tmp_path)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    names: dict[str, list[str]] = json.loads(finished.stdout)
    accepted = {
        "backend": accepted_env_names(BackendSettings, WorkerSettings, MailSettings),
        "processor": accepted_env_names(ProcessorSettings),
        "switch-port": accepted_env_names(SwitchPortSettings),
    }
    prefixes = {"backend": "RESERVATION_BE_", "processor": "RESERVATION_EP_"}
    prefixes["switch-port"] = "SWITCH_PORT_"
    for service, set_names in names.items():
        ours = {n for n in set_names if n.startswith(prefixes[service])}
        assert ours, f"no {prefixes[service]} names for {service}"
        assert ours <= accepted[service], (service, sorted(ours - accepted[service]))


IDP_SCRIPT = """
import json, os, sys
sys.path.insert(0, os.getcwd())
import reservation_testrealm.real as real
from devmode.run import DevStack, parse_args

real.distribution_home = lambda: None  # the start itself is tested in tests/real_keycloak
stack = DevStack(parse_args(sys.argv[2:] + ["--data-dir", sys.argv[1]]))
started = []
stack.supervisor.start = lambda name, argv, env: started.append((name, argv, env)) or None
stack.launch_idp()
name, argv, env = started[0]
print(json.dumps({"name": name, "argv": argv, "idp": stack.args.idp,
                  "env": {k: v for k, v in env.items() if k.startswith("KEYCLOAK_")}}))
"""


def launch_idp(tmp_path: Path, *args: str, idp_env: str | None = None) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDP", "KEYCLOAK_"))}
    if idp_env is not None:
        env["IDP"] = idp_env
    finished = subprocess.run(
        [sys.executable, "-c", IDP_SCRIPT, str(tmp_path), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, object] = json.loads(finished.stdout.splitlines()[-1])
    return result


def test_the_test_realm_is_the_default_identity_provider(tmp_path: Path) -> None:
    assert launch_idp(tmp_path)["name"] == "testrealm"


@pytest.mark.parametrize("how", ["option", "environment"])
def test_idp_keycloak_runs_real_keycloak_with_the_tests_files(tmp_path: Path, how: str) -> None:
    if how == "option":
        started = launch_idp(tmp_path, "--idp", "keycloak", "--idp-port", "18081")
    else:
        started = launch_idp(tmp_path, "--idp-port", "18081", idp_env="keycloak")

    argv = started["argv"]
    assert isinstance(argv, list)
    assert started["name"] == "keycloak"
    assert argv[1:3] == [str(REPO / "scripts" / "keycloak.sh"), "start-dev"]
    assert str(REPO / "keycloak" / "reservations-realm.json") in argv
    assert str(REPO / "keycloak" / "dev" / "reservations-users-0.json") in argv
    assert "--http-port=18081" in argv
    env = started["env"]
    assert isinstance(env, dict)
    # The same dev defaults the backend and the examples use when nothing else is set.
    assert env["KEYCLOAK_CLIENT_SECRET_RESERVATION_API"] == "dev-secret-reservation-api"
    assert env["KEYCLOAK_FRONTEND_URL"] == "http://127.0.0.1:8000"


def test_the_mail_sink_shows_what_it_caught_with_its_invitation() -> None:
    mail_sink = load("mail_sink")
    smtp_port, web_port = free_ports(2)
    sink, web = mail_sink.serve("127.0.0.1", smtp_port, web_port)
    try:
        message = EmailMessage()
        message["Subject"] = "Booking confirmed: <dev> check"
        message["From"] = "Reservations <reservations@localhost>"
        message["To"] = "bob@example.com"
        message["X-Reservation-Mail-Kind"] = "booking_confirmed"
        message.set_content("Your booking of server-01 is confirmed.")
        message.add_alternative("<p>Your booking</p><script>alert(1)</script>", subtype="html")
        message.add_alternative(
            b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n",
            maintype="text", subtype="calendar", params={"method": "REQUEST"},
        )  # fmt: skip
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
            client.send_message(message)
        base = f"http://127.0.0.1:{web_port}"
        [listed] = httpx.get(f"{base}/api/mails", timeout=5).json()
        assert listed["subject"] == "Booking confirmed: <dev> check"
        assert listed["to"] == ["bob@example.com"]
        assert listed["kind"] == "booking_confirmed" and listed["invitation"] == "REQUEST"
        index = httpx.get(f"{base}/", timeout=5)
        assert "Booking confirmed: &lt;dev&gt; check" in index.text  # escaped
        page = httpx.get(f"{base}/mails/0", timeout=5)
        assert "METHOD:REQUEST" in page.text
        assert "<script>" not in page.text  # the mail's HTML only inside a sandboxed srcdoc
        assert "<iframe sandbox" in page.text
        assert "script-src" not in page.headers["content-security-policy"]
        raw = httpx.get(f"{base}/mails/0.eml", timeout=5)
        assert raw.headers["content-type"] == "message/rfc822"
        assert httpx.get(f"{base}/mails/7", timeout=5).status_code == 404
    finally:
        web.shutdown()
        web.server_close()
        sink.stop()
