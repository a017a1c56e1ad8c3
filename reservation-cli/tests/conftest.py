"""The real backend on a loopback port (its own migrated database) and the test realm; the CLI
runs in-process through Typer's CliRunner, or as the installed ``rsv`` in a subprocess."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from reservation_be.main import create_app
from reservation_be.settings import Settings
from reservation_be.testing import serve_in_thread, temporary_database
from reservation_cli.app import app
from reservation_cli.config import Profile, save_profile
from reservation_cli.tokens import FileTokenStore, TokenSet
from reservation_testrealm.server import TestRealm
from typer.testing import CliRunner, Result


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with temporary_database(prefix="rcli_test") as url:
        yield url


@pytest.fixture(scope="session")
def server(database_url: str, test_realm: TestRealm) -> Iterator[str]:
    settings = Settings(
        database_url=database_url,
        oidc_issuer=test_realm.issuer,
        workers_enabled=False,
        keycloak_admin_client_secret=test_realm.client_secret("reservation-api"),
    )
    with serve_in_thread(create_app(settings)) as url:
        yield url


@pytest.fixture(autouse=True)
def cli_home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh config dir per test; tokens in files (no desktop keyring here); a local zone
    that is not UTC, so local and machine times differ; a wide terminal."""
    monkeypatch.setenv("TZ", "Europe/Rome")
    time.tzset()
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in ("RSV_PROFILE", "RSV_SERVER", "RSV_OUTPUT", "RSV_TOKEN", "RSV_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("RSV_CLIENT_SECRET", raising=False)
    yield tmp_path / "config"
    monkeypatch.undo()
    time.tzset()


@dataclass
class Person:
    username: str
    id: str


class Cli:
    """``cli("book", ...)`` runs rsv in-process; ``cli.login(person)`` stores their tokens."""

    def __init__(self, test_realm: TestRealm, server: str) -> None:
        self.realm = test_realm
        self.server = server
        self.runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Result:
        return self.runner.invoke(app, list(args), env=env)

    def json(self, *args: str) -> Any:
        result = self(*args, "-o", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    def login(self, person: Person, profile: str = "default") -> TokenSet:
        save_profile(
            Profile(
                name=profile,
                server=self.server,
                issuer=self.realm.issuer,
                client_id="reservation-cli",
            )
        )
        tokens = TokenSet.from_response(self.realm.device_tokens(person.username))
        FileTokenStore().save(profile, tokens)
        return tokens


@pytest.fixture
def cli(test_realm: TestRealm, server: str) -> Cli:
    return Cli(test_realm, server)


def new_person(test_realm: TestRealm, *, admin: bool = False) -> Person:
    name = f"u{uuid.uuid4().hex[:10]}"
    sub = test_realm.create_user(
        name, email=f"{name}@example.test", realm_roles=["platform-admin"] if admin else []
    )
    return Person(username=name, id=sub)


@dataclass
class World:
    """A fresh site: ``admin`` (platform), ``site_admin``, ``member``; a switch with two ports
    of type Port (parameter ``vlan_id`` 1..4094), a Server, and a Lab type needing approval."""

    site: str
    admin: Person
    site_admin: Person
    member: Person
    resources: dict[str, dict[str, Any]]
    types: dict[str, str]
    api: httpx.Client

    def as_(self, person: Person) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._realm.token(person.username)}"}

    _realm: TestRealm = None  # type: ignore[assignment]


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()


@pytest.fixture
def world(test_realm: TestRealm, server: str) -> Iterator[World]:
    admin, site_admin, member = (new_person(test_realm, admin=True), new_person(test_realm),
                                 new_person(test_realm))  # fmt: skip
    slug = f"lab-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=f"{server}/api/v1", timeout=30) as api:
        admin_headers = {"Authorization": f"Bearer {test_realm.token(admin.username)}"}
        _ok(api.post("/sites", json={"slug": slug, "name": "Test lab"}, headers=admin_headers))
        for person, role in ((site_admin, "site-admin"), (member, "member")):
            _ok(
                api.post(
                    f"/sites/{slug}/members",
                    json={"identifier": person.username, "role": role},
                    headers=admin_headers,
                )
            )
        types = {}
        for name, extra in (
            (
                "Port",
                {
                    "parameters": {
                        "type": "object",
                        "properties": {
                            "vlan_id": {"type": "integer", "minimum": 1, "maximum": 4094}
                        },
                        "required": ["vlan_id"],
                    }
                },
            ),
            ("Server", {}),
            ("Lab", {"requires_approval": True}),
        ):
            body = _ok(
                api.post(
                    f"/sites/{slug}/resource-types",
                    json={"name": name, **extra},
                    headers=admin_headers,
                )
            )
            types[name] = body["id"]
        resources: dict[str, dict[str, Any]] = {}

        def add(name: str, kind: str, parent: str | None = None, **extra: Any) -> None:
            body = {"name": name, "type_id": types[kind], **extra}
            if parent:
                body["parent_id"] = resources[parent]["id"]
            resources[name] = _ok(
                api.post(f"/sites/{slug}/resources", json=body, headers=admin_headers)
            )

        add("switch-1", "Server", location="rack A")
        add("port-1", "Port", "switch-1")
        add("port-2", "Port", "switch-1")
        add("server-1", "Server", location="rack B", attributes={"gpu": "a100"})
        add("lab-room", "Lab")
        world = World(
            site=slug,
            admin=admin,
            site_admin=site_admin,
            member=member,
            resources=resources,
            types=types,
            api=api,
        )
        world._realm = test_realm
        yield world
