from __future__ import annotations

from tests.matrix import Case, site_members

CASES = [
    Case(
        "site-stats",
        "GET",
        "/api/v1/sites/{site}/stats?start=2030-01-01T00:00:00Z&end=2030-01-08T00:00:00Z&tz=Europe/Rome",
        site_members(200),
    ),
]
