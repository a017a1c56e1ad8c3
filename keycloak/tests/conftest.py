from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from reservation_testrealm.realm import DEFAULT_REALM_FILE, DEV_IMPORT_DIR
from reservation_testrealm.server import TestRealm

FRONTEND = "reservation-frontend"
FRONTEND_URL = "http://localhost:5173"
REDIRECT_URI = f"{FRONTEND_URL}/callback"


@pytest.fixture
def browser(test_realm: TestRealm) -> Iterator[httpx.Client]:
    """A cookie-keeping client that does not follow redirects, like a browser we can inspect."""
    with httpx.Client(base_url=test_realm.base_url, follow_redirects=False, timeout=5) as client:
        yield client


@pytest.fixture
def oidc_url(test_realm: TestRealm) -> str:
    return f"{test_realm.issuer}/protocol/openid-connect"


def form_action(html: str) -> str:
    match = re.search(r"action='([^']+)'", html)
    assert match, html
    return match.group(1)


def hidden_fields(html: str) -> dict[str, str]:
    return dict(re.findall(r"<input type='hidden' name='([^']+)' value='([^']*)'>", html))


@pytest.fixture(scope="session")
def password_grant_realm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository realm and dev users, with one change: ``reservation-cli`` also allows the
    password grant. No client of the real realm does, but Keycloak implements the grant and so
    does the test realm: these tests check that implementation (status codes, errors, sessions).
    The realm exactly as shipped is ``shipped_realm``."""
    folder = tmp_path_factory.mktemp("password-grant-realm")
    data = json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))
    for client in data["clients"]:
        if client["clientId"] == "reservation-cli":
            client["directAccessGrantsEnabled"] = True
    (folder / DEFAULT_REALM_FILE.name).write_text(json.dumps(data), encoding="utf-8")
    for users_file in DEV_IMPORT_DIR.glob("*.json"):
        shutil.copy(users_file, folder / users_file.name)
    return folder / DEFAULT_REALM_FILE.name


@pytest.fixture(scope="session")
def test_realm(password_grant_realm_file: Path) -> Iterator[TestRealm]:
    with TestRealm(password_grant_realm_file) as realm:
        yield realm


@pytest.fixture(scope="session")
def shipped_realm() -> Iterator[TestRealm]:
    """The test realm serving the repository's realm file and dev users unchanged."""
    with TestRealm() as realm:
        yield realm
