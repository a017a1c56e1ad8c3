"""pytest fixtures of the identity providers, loaded in every part through the ``pytest11`` entry
point.

- ``test_realm``: the fast Keycloak-compatible test realm, once per test session;
- ``real_keycloak``: real Keycloak at the pinned version (``keycloak/VERSION``), once per test
  session, with the production realm and the dev-only demo users (see ``real.py``).

Each starts only when a test asks for it. When Keycloak's distribution is missing, tests using
``real_keycloak`` are skipped locally with the command that fetches it, and fail in CI
(``CI=true``): the real-Keycloak suite never disappears silently there. A Keycloak that is present
but does not start fails the tests everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from reservation_testrealm.real import RealKeycloak
    from reservation_testrealm.server import TestRealm

_started: list[str] = []


@pytest.fixture(scope="session")
def test_realm() -> Iterator[TestRealm]:
    """The running test realm: ``issuer``, ``token(username)``, ``service_token(client)``..."""
    from reservation_testrealm.server import TestRealm

    with TestRealm() as realm:
        yield realm


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def real_keycloak() -> Iterator[RealKeycloak]:
    """Real Keycloak (``start-dev``, free loopback ports), shared by the whole test session."""
    from reservation_testrealm.real import KeycloakUnavailable, RealKeycloak

    keycloak = RealKeycloak()
    try:
        keycloak.start()
    except KeycloakUnavailable as error:
        keycloak.cleanup()
        if error.fetched or in_ci():
            pytest.fail(f"real Keycloak is required here: {error}", pytrace=False)
        pytest.skip(str(error))
    _started.append(keycloak.describe())
    print(f"\n{keycloak.describe()}", flush=True)
    try:
        yield keycloak
    finally:
        keycloak.stop()
        keycloak.cleanup()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _started:
        terminalreporter.write_line(line)
