from __future__ import annotations

from typing import Any

import pytest
from reservation_be.reservations import fast_lane

from tests.reservations.factories import Lab, make_lab


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people)


@pytest.fixture
def lane_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The requests the lane answered itself (it hands the others to the route)."""
    calls: list[Any] = []
    answer = fast_lane._book

    async def counted(*args: Any) -> Any:
        calls.append(args)
        return await answer(*args)

    monkeypatch.setattr(fast_lane, "_book", counted)
    return calls
