from __future__ import annotations

from tests.matrix import Case, any_user

CASES = [
    Case("users-me", "GET", "/api/v1/users/me", any_user(200)),
    Case("users-me-update", "PATCH", "/api/v1/users/me", any_user(200), body={"timezone": "UTC"}),
    Case("ssh-keys-list", "GET", "/api/v1/users/me/ssh-keys", any_user(200)),
    Case(
        "ssh-keys-create-invalid",
        "POST",
        "/api/v1/users/me/ssh-keys",
        any_user(422),
        body={"public_key": "ssh-ed25519 not-base64!"},
    ),
    Case(
        "ssh-keys-get-unknown",
        "GET",
        "/api/v1/users/me/ssh-keys/00000000-0000-0000-0000-000000000000",
        any_user(404),
    ),
    Case(
        "ssh-keys-rename-unknown",
        "PATCH",
        "/api/v1/users/me/ssh-keys/00000000-0000-0000-0000-000000000000",
        any_user(404),
        body={"name": "laptop"},
    ),
    Case(
        "ssh-keys-delete-unknown",
        "DELETE",
        "/api/v1/users/me/ssh-keys/00000000-0000-0000-0000-000000000000",
        any_user(404),
    ),
]
