from __future__ import annotations

from tests.matrix import Case, any_user, site_admins

CASES = [
    Case("audit-all-visible", "GET", "/api/v1/audit", any_user(200)),
    Case("audit-of-site", "GET", "/api/v1/audit?site={site}", site_admins(200)),
]
