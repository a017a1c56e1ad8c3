"""models.detached: an instance built like a loaded row, without the constructor's events."""

from __future__ import annotations

import uuid

from reservation_db.models import Site, detached
from sqlalchemy import inspect


def test_a_detached_instance_reads_like_one_built_by_its_constructor() -> None:
    site_id = uuid.uuid4()
    values = {
        "id": site_id,
        "slug": "lab",
        "name": "Lab",
        "description": "",
        "visibility": "public",
        "version": 3,
    }
    built, fast = Site(**values), detached(Site, **values)
    for name in values:
        assert getattr(fast, name) == getattr(built, name)
    assert fast.time_zone is None and built.time_zone is None  # not given: None for both
    state = inspect(fast)
    assert state.transient and not state.modified  # no history: nothing to flush as it is
    fast.name = "Renamed"  # later changes go through the events
    assert state.modified
    assert state.attrs.name.history.added == ["Renamed"]
