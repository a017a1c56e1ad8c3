from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
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
