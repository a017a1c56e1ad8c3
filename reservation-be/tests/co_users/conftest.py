from __future__ import annotations

import pytest

from tests.reservations.factories import Lab, make_lab


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people)
