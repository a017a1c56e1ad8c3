from __future__ import annotations

from tests.matrix import Case, expect, site_admins, site_members

CASES = [
    Case("members-list", "GET", "/api/v1/sites/{site}/members", site_members(200)),
    Case(
        "members-add",
        "POST",
        "/api/v1/sites/{site}/members",
        site_admins(201),
        body={"identifier": "carol", "role": "member"},
    ),
    Case(
        "members-change-role-of-another",
        "PATCH",
        "/api/v1/sites/{site}/members/{target}",
        site_admins(200),
        body={"role": "site-admin"},
    ),
    Case(
        "members-raise-own-role",
        "PATCH",
        "/api/v1/sites/{site}/members/{bob}",
        # bob (member) may not raise himself; the site-admin may promote him.
        site_admins(200),
        body={"role": "site-admin"},
    ),
    Case(
        "members-remove-another",
        "DELETE",
        "/api/v1/sites/{site}/members/{target}",
        site_admins(204),
    ),
    Case(
        "members-remove-bob",
        "DELETE",
        "/api/v1/sites/{site}/members/{bob}",
        # bob removing himself is leaving the site, which every member may do.
        expect(outsider=404, member=204, site_admin=204, platform_admin=204),
    ),
]
