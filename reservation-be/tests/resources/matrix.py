from __future__ import annotations

from tests.matrix import Case, site_admins, site_members
from tests.reservations.matrix_world import booking_rows

WINDOW = "start=2020-01-01T00:00:00Z&end=2020-12-31T00:00:00Z"

CASES = [
    Case("resources-list", "GET", "/api/v1/sites/{site}/resources", site_members(200)),
    Case(
        "resources-create",
        "POST",
        "/api/v1/sites/{site}/resources",
        site_admins(201),
        body=lambda v: {"name": "new", "type_id": v["type"], "parent_id": v["resource"]},
        prepare=booking_rows,
    ),
    Case(
        # The matrix sends JSON; authorised callers get past the policy to the CSV parser,
        # which refuses a body that is not CSV (the CSV itself is tested in test_search_and_csv).
        "resources-import",
        "POST",
        "/api/v1/sites/{site}/resources/import",
        site_admins(422),
    ),
    Case("resources-export", "GET", "/api/v1/sites/{site}/resources/export", site_members(200)),
    Case(
        "resource-get",
        "GET",
        "/api/v1/resources/{resource}",
        site_members(200),
        prepare=booking_rows,
    ),
    Case(
        "resource-update",
        "PATCH",
        "/api/v1/resources/{resource}",
        site_admins(200),
        body={"description": "changed"},
        prepare=booking_rows,
    ),
    Case(
        "resource-delete",
        "DELETE",
        "/api/v1/resources/{resource}",
        # It has a child and reservations: whoever may delete is told why not.
        site_admins(409),
        prepare=booking_rows,
    ),
    Case(
        "resource-children",
        "GET",
        "/api/v1/resources/{resource}/children",
        site_members(200),
        prepare=booking_rows,
    ),
    Case(
        "resource-subtree",
        "GET",
        "/api/v1/resources/{resource}/subtree",
        site_members(200),
        prepare=booking_rows,
    ),
    Case(
        "resource-busy",
        "GET",
        "/api/v1/resources/{resource}/busy?" + WINDOW,
        site_members(200),
        prepare=booking_rows,
    ),
    Case(
        "resource-free-units",
        "GET",
        "/api/v1/resources/{resource}/free-units?" + WINDOW,
        site_members(200),
        prepare=booking_rows,
    ),
    Case(
        "resource-capacity-change",
        "PATCH",
        "/api/v1/resources/{resource}",
        # the rack itself holds no slot: its capacity may change
        site_admins(200),
        body={"capacity": 4},
        prepare=booking_rows,
        returns={"capacity": 4},
    ),
]
