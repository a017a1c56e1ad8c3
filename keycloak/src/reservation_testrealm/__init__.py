"""Keycloak-compatible identity provider for tests and dev mode. Never use it in production.

``TestRealm`` (a running realm with token helpers) and ``create_app`` are imported lazily, so the
pytest plugin costs nothing in test runs that do not use the ``test_realm`` fixture.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reservation_testrealm.app import create_app
    from reservation_testrealm.server import TestRealm

__all__ = ["TestRealm", "create_app"]


def __getattr__(name: str) -> Any:
    if name == "TestRealm":
        from reservation_testrealm.server import TestRealm

        return TestRealm
    if name == "create_app":
        from reservation_testrealm.app import create_app

        return create_app
    raise AttributeError(name)
