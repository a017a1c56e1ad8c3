"""pytest fixtures of the test realm, loaded in every part through the ``pytest11`` entry point.

The realm starts once per test session, only when a test asks for ``test_realm``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from reservation_testrealm.server import TestRealm


@pytest.fixture(scope="session")
def test_realm() -> Iterator[TestRealm]:
    """The running test realm: ``issuer``, ``token(username)``, ``service_token(client)``..."""
    from reservation_testrealm.server import TestRealm

    with TestRealm() as realm:
        yield realm
