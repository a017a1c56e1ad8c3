from __future__ import annotations

from tests.matrix import Case, any_user

CASES = [
    Case("notifications-list", "GET", "/api/v1/notifications", any_user(200)),
    Case("notifications-unread-count", "GET", "/api/v1/notifications/unread-count", any_user(200)),
    Case("notifications-read-all", "POST", "/api/v1/notifications/read-all", any_user(200)),
    Case(
        "notifications-read-unknown",
        "POST",
        "/api/v1/notifications/00000000-0000-0000-0000-000000000000/read",
        any_user(404),
    ),
]
