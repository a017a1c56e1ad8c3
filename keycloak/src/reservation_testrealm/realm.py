"""Reads a Keycloak realm export (the same file real Keycloak imports) into plain objects.

Placeholders ``${NAME}`` and ``${NAME:default}`` are resolved as Keycloak resolves them on
``--import-realm``: from the environment. When a variable is unset, the test realm falls back to
its development defaults (client secrets ``dev-secret-<client-id>``, the frontend at
``http://localhost:5173``) so that tests and dev mode run with no configuration.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KEYCLOAK_DIR = Path(__file__).resolve().parents[2]
# The production realm: clients, roles, lifetimes, service accounts; no user with a password.
DEFAULT_REALM_FILE = KEYCLOAK_DIR / "reservations-realm.json"
# Development and test only: the demo users, in Keycloak's ``<realm>-users-<n>.json`` format,
# imported beside the realm file by tests and dev mode, never by a production deployment.
DEV_IMPORT_DIR = KEYCLOAK_DIR / "dev"
# Roles of the ``account`` client Keycloak creates in every realm, and the ones its default role
# grants every user (so tokens carry ``resource_access.account`` and the ``account`` audience).
ACCOUNT_CLIENT = "account"
ACCOUNT_ROLES = {
    "manage-account": ("manage-account-links",),
    "manage-account-links": (),
    "view-profile": (),
    "view-applications": (),
    "view-consent": (),
    "manage-consent": ("view-consent",),
    "view-groups": (),
    "delete-account": (),
}
ACCOUNT_DEFAULT_ROLES = ("view-profile", "manage-account")
# Composite roles of the ``realm-management`` client Keycloak creates (view-users holds the
# query roles: a token with view-users also lists query-users and query-groups).
MANAGEMENT_CLIENT = "realm-management"
MANAGEMENT_ROLES = {
    "view-users": ("query-users", "query-groups"),
    "query-users": (),
    "query-groups": (),
    "view-clients": ("query-clients",),
    "query-clients": (),
    "view-realm": (),
    "query-realms": (),
}
BUILTIN_CLIENT_ROLES = {ACCOUNT_CLIENT: ACCOUNT_ROLES, MANAGEMENT_CLIENT: MANAGEMENT_ROLES}
SECRET_VARIABLE_PREFIX = "KEYCLOAK_CLIENT_SECRET_"
DEV_DEFAULTS = {"KEYCLOAK_FRONTEND_URL": "http://localhost:5173"}
# Only environment-style names are placeholders; Keycloak's own ${role_...} message keys are not.
_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)(?::([^}]*))?\}")


class RealmFileError(ValueError):
    """The realm file cannot be served (unknown placeholder, broken reference)."""


def secret_variable(client_id: str) -> str:
    return SECRET_VARIABLE_PREFIX + client_id.upper().replace("-", "_")


def dev_default(name: str) -> str | None:
    if name in DEV_DEFAULTS:
        return DEV_DEFAULTS[name]
    if name.startswith(SECRET_VARIABLE_PREFIX):
        client_id = name.removeprefix(SECRET_VARIABLE_PREFIX).lower().replace("_", "-")
        return f"dev-secret-{client_id}"
    return None


def resolve_placeholders(text: str, environ: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = environ.get(name)
        if value is None:
            value = default if default is not None else dev_default(name)
        if value is None:
            raise RealmFileError(f"placeholder ${{{name}}} is not set and has no default")
        # The value lands inside a JSON string literal.
        return json.dumps(value)[1:-1]

    return _PLACEHOLDER.sub(replace, text)


@dataclass(frozen=True, slots=True)
class Role:
    name: str
    description: str = ""
    composites: tuple[str, ...] = ()
    client_composites: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AudienceMapper:
    audience: str
    access_token: bool
    id_token: bool


@dataclass(slots=True)
class Client:
    client_id: str
    public: bool
    secret: str | None
    standard_flow: bool
    direct_access_grants: bool
    service_accounts: bool
    device_grant: bool
    redirect_uris: tuple[str, ...]
    web_origins: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    pkce_method: str | None
    audience_mappers: tuple[AudienceMapper, ...]
    roles: tuple[str, ...] = ()
    enabled: bool = True

    def allows_redirect(self, uri: str) -> bool:
        return _matches(uri, self.redirect_uris)

    def allows_post_logout_redirect(self, uri: str) -> bool:
        patterns = self.post_logout_redirect_uris
        if "+" in patterns:
            patterns = self.redirect_uris + tuple(p for p in patterns if p != "+")
        return _matches(uri, patterns)

    def allowed_origins(self) -> frozenset[str]:
        origins: set[str] = set()
        for origin in self.web_origins:
            if origin == "+":
                origins.update(_origin(uri) for uri in self.redirect_uris if "://" in uri)
            else:
                origins.add(origin.rstrip("/"))
        return frozenset(origins)


@dataclass(slots=True)
class User:
    id: str
    username: str
    enabled: bool = True
    email: str | None = None
    email_verified: bool = False
    first_name: str | None = None
    last_name: str | None = None
    password: str | None = None
    realm_roles: tuple[str, ...] = ()
    client_roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    service_account_client: str | None = None
    created_ms: int = 0

    @property
    def full_name(self) -> str | None:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or None


@dataclass(slots=True)
class Realm:
    name: str
    access_token_lifespan: int
    sso_session_idle_timeout: int
    sso_session_max_lifespan: int
    access_code_lifespan: int
    access_code_lifespan_user_action: int
    device_code_lifespan: int
    device_polling_interval: int
    default_role: str | None
    roles: dict[str, Role]
    client_role_defs: dict[str, dict[str, Role]]
    clients: dict[str, Client]
    users: dict[str, User]

    def user_by_username(self, username: str) -> User | None:
        wanted = username.lower()
        for user in self.users.values():
            if user.username == wanted or (
                user.email is not None and user.email.lower() == wanted and "@" in wanted
            ):
                return user
        return None

    def service_account_user(self, client_id: str) -> User | None:
        for user in self.users.values():
            if user.service_account_client == client_id:
                return user
        return None

    def effective_realm_roles(self, user: User) -> frozenset[str]:
        return frozenset(self._expand_realm(self._assigned(user)))

    def effective_client_roles(self, user: User) -> dict[str, frozenset[str]]:
        result: dict[str, set[str]] = {}
        for client, names in user.client_roles.items():
            result.setdefault(client, set()).update(names)
        for role_name in self._expand_realm(self._assigned(user)):
            role = self.roles.get(role_name)
            if role is not None:
                for client, names in role.client_composites.items():
                    result.setdefault(client, set()).update(names)
        # Composite client roles (account's manage-account holds manage-account-links).
        for client, held in result.items():
            pending = list(held)
            while pending:
                defined = self.client_role_defs.get(client, {}).get(pending.pop())
                for inner in () if defined is None else defined.client_composites.get(client, ()):
                    if inner not in held:
                        held.add(inner)
                        pending.append(inner)
        return {client: frozenset(names) for client, names in result.items() if names}

    def _assigned(self, user: User) -> tuple[str, ...]:
        # Keycloak grants the realm's default role to every user, service accounts included.
        if self.default_role is None:
            return user.realm_roles
        return (*user.realm_roles, self.default_role)

    def _expand_realm(self, names: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        pending = list(names)
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            role = self.roles.get(name)
            if role is not None:
                pending.extend(role.composites)
        return seen


def users_files(realm_file: Path, realm_name: str) -> list[Path]:
    """The users files Keycloak's directory import reads with ``realm_file``: those named
    ``<realm>-users-<n>.json`` beside it and, for the repository's realm, the dev import."""
    pattern = re.compile(re.escape(realm_name) + r"-users-[0-9]+\.json")
    folders = [realm_file.parent]
    if realm_file.resolve() == DEFAULT_REALM_FILE:
        folders.append(DEV_IMPORT_DIR)
    return sorted(
        path for folder in folders for path in folder.glob("*.json") if pattern.fullmatch(path.name)
    )


def load_realm(
    path: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    users: Iterable[str | Path] | None = None,
) -> Realm:
    """The realm file plus its users files (``users``; by default Keycloak's naming rule)."""
    environ = os.environ if environ is None else environ
    realm_file = Path(path or DEFAULT_REALM_FILE)
    data = json.loads(resolve_placeholders(realm_file.read_text(encoding="utf-8"), environ))
    extra = users_files(realm_file, data["realm"]) if users is None else [Path(u) for u in users]
    for users_file in extra:
        part = json.loads(resolve_placeholders(users_file.read_text(encoding="utf-8"), environ))
        if part.get("realm") != data["realm"]:
            raise RealmFileError(f"{users_file} holds users of realm {part.get('realm')!r}")
        data.setdefault("users", []).extend(part.get("users", []))
    return parse_realm(data)


def parse_realm(data: Mapping[str, Any]) -> Realm:
    roles = {r["name"]: _role(r) for r in data.get("roles", {}).get("realm", [])}
    client_role_defs = {
        client: {r["name"]: _role(r) for r in defs}
        for client, defs in data.get("roles", {}).get("client", {}).items()
    }
    clients = {c["clientId"]: _client(c) for c in data.get("clients", [])}
    for client_id, defs in client_role_defs.items():
        if client_id in clients:
            clients[client_id].roles = tuple(defs)
    users: dict[str, User] = {}
    for raw in data.get("users", []):
        user = _user(raw)
        if user.service_account_client and user.service_account_client not in clients:
            raise RealmFileError(f"service account of unknown client {user.service_account_client}")
        users[user.id] = user
    default_role = (data.get("defaultRole") or {}).get("name")
    for builtin, definitions in BUILTIN_CLIENT_ROLES.items():
        if builtin not in client_role_defs:
            client_role_defs[builtin] = {
                name: Role(name=name, client_composites={builtin: composites})
                for name, composites in definitions.items()
            }
    if default_role in roles and ACCOUNT_CLIENT not in roles[default_role].client_composites:
        role = roles[default_role]
        roles[default_role] = Role(
            name=role.name,
            description=role.description,
            composites=role.composites,
            client_composites={**role.client_composites, ACCOUNT_CLIENT: ACCOUNT_DEFAULT_ROLES},
        )
    return Realm(
        name=data["realm"],
        access_token_lifespan=int(data.get("accessTokenLifespan", 300)),
        sso_session_idle_timeout=int(data.get("ssoSessionIdleTimeout", 1800)),
        sso_session_max_lifespan=int(data.get("ssoSessionMaxLifespan", 36000)),
        access_code_lifespan=int(data.get("accessCodeLifespan", 60)),
        access_code_lifespan_user_action=int(data.get("accessCodeLifespanUserAction", 300)),
        device_code_lifespan=int(data.get("oauth2DeviceCodeLifespan", 600)),
        device_polling_interval=int(data.get("oauth2DevicePollingInterval", 5)),
        default_role=default_role,
        roles=roles,
        client_role_defs=client_role_defs,
        clients=clients,
        users=users,
    )


def _role(raw: Mapping[str, Any]) -> Role:
    composites = raw.get("composites") or {}
    return Role(
        name=raw["name"],
        description=raw.get("description", ""),
        composites=tuple(composites.get("realm", [])),
        client_composites={k: tuple(v) for k, v in (composites.get("client") or {}).items()},
    )


def _client(raw: Mapping[str, Any]) -> Client:
    attributes = raw.get("attributes") or {}
    mappers = tuple(
        AudienceMapper(
            audience=m["config"]["included.client.audience"],
            access_token=m["config"].get("access.token.claim", "true") == "true",
            id_token=m["config"].get("id.token.claim", "false") == "true",
        )
        for m in raw.get("protocolMappers", [])
        if m.get("protocolMapper") == "oidc-audience-mapper"
        and m.get("config", {}).get("included.client.audience")
    )
    post_logout = attributes.get("post.logout.redirect.uris", "")
    return Client(
        client_id=raw["clientId"],
        enabled=raw.get("enabled", True),
        public=raw.get("publicClient", False),
        secret=None if raw.get("publicClient", False) else raw.get("secret"),
        standard_flow=raw.get("standardFlowEnabled", True),
        direct_access_grants=raw.get("directAccessGrantsEnabled", False),
        service_accounts=raw.get("serviceAccountsEnabled", False),
        device_grant=attributes.get("oauth2.device.authorization.grant.enabled") == "true",
        redirect_uris=tuple(raw.get("redirectUris", [])),
        web_origins=tuple(raw.get("webOrigins", [])),
        post_logout_redirect_uris=tuple(u for u in post_logout.split("##") if u),
        pkce_method=attributes.get("pkce.code.challenge.method") or None,
        audience_mappers=mappers,
    )


def _user(raw: Mapping[str, Any]) -> User:
    password = next(
        (c.get("value") for c in raw.get("credentials", []) if c.get("type") == "password"),
        None,
    )
    return User(
        id=raw.get("id") or str(uuid.uuid5(uuid.NAMESPACE_URL, "user:" + raw["username"])),
        username=raw["username"].lower(),
        enabled=raw.get("enabled", True),
        email=raw.get("email"),
        email_verified=raw.get("emailVerified", False),
        first_name=raw.get("firstName"),
        last_name=raw.get("lastName"),
        password=password,
        realm_roles=tuple(raw.get("realmRoles", [])),
        client_roles={k: tuple(v) for k, v in (raw.get("clientRoles") or {}).items()},
        service_account_client=raw.get("serviceAccountClientId"),
        created_ms=int(raw.get("createdTimestamp", 0)),
    )


def _matches(uri: str, patterns: Iterable[str]) -> bool:
    """Keycloak's rule: an exact match, or a prefix match for a pattern ending in ``*``."""
    for pattern in patterns:
        if pattern.endswith("*"):
            if uri.split("?", 1)[0].startswith(pattern[:-1]):
                return True
        elif uri == pattern:
            return True
    return False


def _origin(uri: str) -> str:
    scheme, rest = uri.split("://", 1)
    return f"{scheme}://{rest.split('/', 1)[0]}"
