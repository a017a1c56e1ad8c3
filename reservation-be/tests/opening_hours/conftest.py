from __future__ import annotations

import pytest

from tests.reservations.factories import Lab, make_lab


@pytest.fixture
async def lab(session, people) -> Lab:
    lab = await make_lab(session, people)
    lab.site.time_zone = "Europe/Rome"
    await session.commit()
    return lab
