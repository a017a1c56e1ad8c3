from __future__ import annotations

from tests.matrix import Case, expect

CASES = [
    Case(
        "client-config",
        "GET",
        "/api/v1/config",
        expect(
            anonymous=200, outsider=200, member=200, site_admin=200, platform_admin=200, service=200
        ),
    ),
]
