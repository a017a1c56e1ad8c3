from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from reservation_common.auth._errors import InvalidTokenError

SERVICE_ACCOUNT_PREFIX = "service-account-"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    """Who called, as the verified access token says.

    ``client_id`` is set for service accounts only (the client acting on its own behalf, from
    ``azp``); for a user it is ``None`` and ``azp`` tells which application the user signed in to.
    """

    sub: str
    username: str | None
    email: str | None
    name: str | None
    realm_roles: frozenset[str]
    client_roles: Mapping[str, frozenset[str]]
    azp: str | None
    scope: frozenset[str]
    is_service_account: bool
    client_id: str | None
    claims: Mapping[str, Any] = field(repr=False)

    def has_realm_role(self, role: str) -> bool:
        return role in self.realm_roles

    def has_client_role(self, client: str, role: str) -> bool:
        return role in self.client_roles.get(client, frozenset())

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> Principal:
        """Build a principal from already verified Keycloak access-token claims."""
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise InvalidTokenError("token has no subject")
        username = _str_or_none(claims.get("preferred_username"))
        azp = _str_or_none(claims.get("azp"))
        is_service_account = _is_client_credentials(claims, azp=azp, username=username)
        client_id = azp if is_service_account else None
        return cls(
            sub=sub,
            username=username,
            email=_str_or_none(claims.get("email")),
            name=_str_or_none(claims.get("name")),
            realm_roles=_roles(claims.get("realm_access")),
            client_roles=MappingProxyType(
                {
                    client: _roles(access)
                    for client, access in _mapping(claims.get("resource_access")).items()
                    if isinstance(client, str)
                }
            ),
            azp=azp,
            scope=frozenset(str(claims.get("scope") or "").split()),
            is_service_account=is_service_account,
            client_id=client_id,
            claims=MappingProxyType(dict(claims)),
        )


def _is_client_credentials(
    claims: Mapping[str, Any], *, azp: str | None, username: str | None
) -> bool:
    """Whether the token is a client's own (client-credentials grant), not a person's.

    Keycloak adds the client's id to service-account tokens only (``client_id`` from the
    ``service_account`` client scope; ``clientId`` before Keycloak 24), and names the
    service-account user ``service-account-<client id>`` (lower case). A username alone proves
    nothing: anyone allowed to pick a username can pick that prefix.
    """
    client = _str_or_none(claims.get("client_id")) or _str_or_none(claims.get("clientId"))
    if client is None or azp is None or client != azp:
        return False
    return username is None or username == (SERVICE_ACCOUNT_PREFIX + azp).lower()


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _mapping(value: object) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


def _roles(access: object) -> frozenset[str]:
    roles = _mapping(access).get("roles")
    if not isinstance(roles, list):
        return frozenset()
    return frozenset(role for role in roles if isinstance(role, str))
