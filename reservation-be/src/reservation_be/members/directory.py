"""Looking people up in the identity provider (Keycloak's admin API, service account).

The backend's ``reservation-api`` client has only ``view-users``/``query-users``. The adapter
lives on ``app.state.user_directory`` so it is built once per process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from fastapi import Request

from reservation_be.kit.errors import ServiceUnavailable
from reservation_be.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    id: str
    username: str
    email: str | None
    first_name: str | None
    last_name: str | None


class UserDirectory(Protocol):
    async def find(self, identifier: str) -> DirectoryUser | None:
        """The enabled user whose username or e-mail is exactly ``identifier``."""
        ...

    async def aclose(self) -> None: ...


def _split_issuer(url: str) -> tuple[str, str]:
    """``http://host/realms/name`` -> (``http://host/``, ``name``)."""
    parts = urlsplit(url.rstrip("/"))
    path = parts.path
    marker = "/realms/"
    idx = path.rfind(marker)
    if idx < 0:
        raise ValueError(f"{url!r} is not a Keycloak realm URL")
    base = f"{parts.scheme}://{parts.netloc}{path[:idx]}/"
    return base, path[idx + len(marker) :]


class KeycloakDirectory:
    def __init__(self, settings: Settings) -> None:
        # Imported on first use (the directory is built lazily too): python-keycloak and what it
        # pulls in hold ~25 MB per worker process that most processes never need.
        from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

        server_url, realm = _split_issuer(settings.oidc_discovery_url or settings.oidc_issuer)
        self._connection = KeycloakOpenIDConnection(
            server_url=server_url,
            realm_name=realm,
            client_id=settings.keycloak_admin_client_id,
            client_secret_key=settings.keycloak_admin_client_secret.get_secret_value(),
            timeout=10,
        )
        self._admin = KeycloakAdmin(connection=self._connection)

    async def aclose(self) -> None:
        # The admin connection and the OpenID client it fetches tokens with each hold pools.
        await self._connection.aclose()
        if self._connection._keycloak_openid is not None:
            await self._connection.keycloak_openid.connection.aclose()

    async def _query(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._admin.a_get_users(query)
        return result

    async def find(self, identifier: str) -> DirectoryUser | None:
        # Usernames may contain '@' too (realms that use e-mails as usernames).
        fields = ("email", "username") if "@" in identifier else ("username",)
        for field in fields:
            found = await self._find_by(field, identifier)
            if found is not None:
                return found
        return None

    async def _find_by(self, field: str, identifier: str) -> DirectoryUser | None:
        try:
            found = await self._query({field: identifier, "exact": "true", "max": 2, "first": 0})
        except Exception as exc:  # transport and Keycloak errors alike: the directory is down
            log.warning("user directory lookup failed: %s", type(exc).__name__)
            raise ServiceUnavailable(
                "The user directory of the identity provider is unavailable."
            ) from exc
        for rep in found:
            value = rep.get(field)
            if (
                isinstance(value, str)
                and value.lower() == identifier.lower()
                and rep.get("enabled", True)
            ):
                return DirectoryUser(
                    id=str(rep["id"]),
                    username=str(rep.get("username") or identifier),
                    email=rep.get("email"),
                    first_name=rep.get("firstName"),
                    last_name=rep.get("lastName"),
                )
        return None


async def get_directory(request: Request) -> UserDirectory:
    directory: UserDirectory | None = request.app.state.user_directory
    if directory is None:
        directory = KeycloakDirectory(request.app.state.settings)
        request.app.state.user_directory = directory
    return directory
