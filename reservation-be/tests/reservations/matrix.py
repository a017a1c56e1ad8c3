from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.matrix import Case, any_user, expect, site_admins, site_members
from tests.reservations.matrix_world import START, booking_rows

_IN_A_WEEK = START + timedelta(days=5)


def _new_booking(values: dict[str, str]) -> dict[str, str]:
    return {
        "resource_id": values["resource"],
        "title": "matrix",
        "start": _IN_A_WEEK.isoformat(),
        "end": (_IN_A_WEEK + timedelta(hours=1)).isoformat(),
    }


def _move(values: dict[str, str]) -> dict[str, str]:
    return {"end": (START + timedelta(hours=1, minutes=30)).isoformat()}


def _extend_approved(values: dict[str, str]) -> dict[str, str]:
    return {"end": (START + timedelta(hours=7, minutes=30)).isoformat()}


def _extend_active(values: dict[str, str]) -> dict[str, str]:
    return {"end": (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0).isoformat()}


CASES = [
    Case(
        "reservations-create",
        "POST",
        "/api/v1/reservations",
        # The private site's resource is unknown to outsiders (422 on the body's id).
        expect(outsider=422, member=201, site_admin=201, platform_admin=201),
        body=_new_booking,
        prepare=booking_rows,
    ),
    Case(
        "reservations-create-on-behalf",
        "POST",
        "/api/v1/reservations",
        expect(outsider=422, member=403, site_admin=201, platform_admin=201),
        body=lambda v: {**_new_booking(v), "owner_id": v["target"]},
        prepare=booking_rows,
    ),
    Case("reservations-list", "GET", "/api/v1/reservations", any_user(200)),
    Case(
        "reservations-list-site",
        "GET",
        "/api/v1/reservations?site={site}",
        site_members(200),
    ),
    Case(
        "reservation-get",
        "GET",
        "/api/v1/reservations/{reservation}",
        site_members(200),
        prepare=booking_rows,
    ),
    Case(
        "reservation-update-another",
        "PATCH",
        "/api/v1/reservations/{reservation}",
        site_admins(200),
        body=_move,
        headers={"If-Match": '"1"'},
        prepare=booking_rows,
    ),
    Case(
        "reservation-update-own",
        "PATCH",
        "/api/v1/reservations/{own_reservation}",
        site_members(200),
        body={"title": "renamed"},
        headers={"If-Match": '"1"'},
        prepare=booking_rows,
    ),
    # A change that would need approval on create needs it again (docs/architecture.md).
    Case(
        "reservation-move-onto-a-type-requiring-approval",
        "PATCH",
        "/api/v1/reservations/{own_reservation}",
        site_members(200),
        body=lambda v: {"resource_id": v["gated"]},
        headers={"If-Match": '"1"'},
        prepare=booking_rows,
        returns={"status": "pending"},
    ),
    Case(
        "reservation-extend-approved",
        "PATCH",
        "/api/v1/reservations/{approved}",
        site_members(200),
        body=_extend_approved,
        headers={"If-Match": '"1"'},
        prepare=booking_rows,
        returns={"status": "pending"},
    ),
    Case(
        "reservation-extend-active-approved",
        "PATCH",
        "/api/v1/reservations/{active_approved}",
        expect(outsider=404, member=409, site_admin=200, platform_admin=200),
        body=_extend_active,
        headers={"If-Match": '"1"'},
        prepare=booking_rows,
        returns={"status": "active"},
    ),
    Case(
        "reservation-cancel-another",
        "POST",
        "/api/v1/reservations/{reservation}/cancel",
        site_admins(200),
        prepare=booking_rows,
    ),
    Case(
        "reservation-cancel-own",
        "POST",
        "/api/v1/reservations/{own_reservation}/cancel",
        site_members(200),
        prepare=booking_rows,
    ),
    Case(
        "reservation-approve",
        "POST",
        "/api/v1/reservations/{pending}/approve",
        site_admins(200),
        prepare=booking_rows,
    ),
    Case(
        "reservation-reject",
        "POST",
        "/api/v1/reservations/{pending}/reject",
        site_admins(200),
        body={"reason": "no"},
        prepare=booking_rows,
    ),
]
