from __future__ import annotations

from dataclasses import dataclass

from reservation_common.auth import Principal

PLATFORM_ADMIN_ROLE = "platform-admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated caller of a request."""

    user_id: str
    username: str
    email: str | None = None
    is_platform_admin: bool = False
    is_service_account: bool = False
    client_id: str | None = None

    @classmethod
    def from_principal(cls, principal: Principal) -> Actor:
        return cls(
            user_id=principal.sub,
            username=principal.username or principal.sub,
            email=principal.email,
            is_platform_admin=principal.has_realm_role(PLATFORM_ADMIN_ROLE),
            is_service_account=principal.is_service_account,
            client_id=principal.client_id,
        )
