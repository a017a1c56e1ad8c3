"""Free periods and the timeline of `rsv availability` from the busy spans the API answers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from reservation_cli.commands.booking import free_periods, full_spans, timeline
from reservation_cli.models import BusyPeriod

RESOURCE = uuid.uuid4()
T0 = datetime(2030, 3, 1, 8, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def span(start: float, end: float, units: int = 1, capacity: int = 1) -> BusyPeriod:
    return BusyPeriod(
        resource_id=RESOURCE, start=at(start), end=at(end), units=units, capacity=capacity
    )


def test_a_resource_lending_one_unit_is_busy_wherever_a_span_holds_it() -> None:
    busy = [span(3, 4), span(1, 2), span(1.5, 2.5), span(2.5, 3)]
    assert full_spans(busy) == [(at(1), at(4))]
    assert free_periods(busy, at(0), at(6)) == [(at(0), at(1)), (at(4), at(6))]


def test_a_pool_is_free_until_its_spans_hold_every_unit() -> None:
    # A pool of 4: 3 units from 1 to 4, 1 more from 2 to 3 (full only then), 4 from 5 to 6.
    busy = [span(1, 4, 3, 4), span(2, 3, 1, 4), span(5, 6, 4, 4)]
    assert full_spans(busy) == [(at(2), at(3)), (at(5), at(6))]
    assert free_periods(busy, at(0), at(8)) == [
        (at(0), at(2)), (at(3), at(5)), (at(6), at(8)),
    ]  # fmt: skip
    bar = timeline(busy, at(0), at(8)).plain  # 48 cells over 8 h: 6 an hour
    assert bar[:12] == "░" * 12
    assert bar[12:18] == "█" * 6
    assert bar[18:30] == "░" * 12


def test_nothing_held_is_all_free() -> None:
    assert free_periods([], at(0), at(1)) == [(at(0), at(1))]
