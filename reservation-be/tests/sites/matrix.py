from __future__ import annotations

from tests.matrix import Case, any_user, expect, platform_admins, site_admins, site_members

CASES = [
    Case("sites-list", "GET", "/api/v1/sites", any_user(200)),
    Case(
        "sites-create",
        "POST",
        "/api/v1/sites",
        platform_admins(201),
        body={"slug": "new-site", "name": "New site"},
    ),
    Case("site-get-private", "GET", "/api/v1/sites/{site}", site_members(200)),
    Case(
        "site-get-public",
        "GET",
        "/api/v1/sites/{site_b}",
        expect(outsider=200, member=200, site_admin=200, platform_admin=200),
    ),
    Case(
        "site-update",
        "PATCH",
        "/api/v1/sites/{site}",
        site_admins(200),
        body={"description": "changed"},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "site-update-public-by-non-admin",
        "PATCH",
        "/api/v1/sites/{site_b}",
        # carol is a plain member of B; alice and bob are outsiders who can see it.
        expect(outsider=403, member=403, site_admin=403, platform_admin=200),
        body={"description": "changed"},
        headers={"If-Match": '"1"'},
    ),
    Case(
        "site-change-slug",
        "PATCH",
        "/api/v1/sites/{site}",
        # Slugs are global: choosing one would tell a site admin which private slugs exist.
        expect(outsider=404, member=403, site_admin=403, platform_admin=200),
        body={"slug": "renamed-a"},
        headers={"If-Match": '"1"'},
    ),
    Case("site-delete", "DELETE", "/api/v1/sites/{site}", platform_admins(204, outsider=404)),
]
