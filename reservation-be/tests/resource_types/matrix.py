from __future__ import annotations

from tests.matrix import Case, expect, site_admins, site_members
from tests.reservations.matrix_world import booking_rows

CASES = [
    Case(
        "resource-types-list",
        "GET",
        "/api/v1/sites/{site}/resource-types",
        site_members(200),
    ),
    Case(
        "resource-types-create",
        "POST",
        "/api/v1/sites/{site}/resource-types",
        site_admins(201),
        body={"name": "switch", "lead_time": 600},
    ),
    Case(
        "resource-type-get",
        "GET",
        "/api/v1/resource-types/{type}",
        site_members(200),
        prepare=booking_rows,
    ),
    Case(
        "resource-type-update",
        "PATCH",
        "/api/v1/resource-types/{type}",
        site_admins(200),
        body={"color": "#000000"},
        prepare=booking_rows,
    ),
    Case(
        "resource-type-delete",
        "DELETE",
        "/api/v1/resource-types/{spare_type}",
        site_admins(204),
        prepare=booking_rows,
    ),
    Case(
        "resource-type-capacity-change",
        "PATCH",
        "/api/v1/resource-types/{spare_type}",
        site_admins(200),
        body={"capacity": 3},
        prepare=booking_rows,
        returns={"capacity": 3},
    ),
    Case(
        "resource-type-capacity-in-use",
        "PATCH",
        "/api/v1/resource-types/{type}",
        # its leaf is booked: who may change it learns it cannot now (409), others 403/404
        expect(outsider=404, member=403, site_admin=409, platform_admin=409),
        body={"capacity": 2},
        prepare=booking_rows,
    ),
]
