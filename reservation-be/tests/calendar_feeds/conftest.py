from __future__ import annotations

import pytest

from tests.reservations.factories import Lab, make_lab


@pytest.fixture
async def lab(session, people) -> Lab:  # type: ignore[no-untyped-def]
    return await make_lab(session, people)
