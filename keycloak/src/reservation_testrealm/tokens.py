"""Sessions, codes, device grants and the tokens Keycloak would issue for them.

Nothing here knows HTTP: the endpoints turn requests into calls and :class:`OAuthError` into
Keycloak's JSON error bodies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from reservation_testrealm.keys import KeyRing
from reservation_testrealm.realm import Client, Realm, User

# Scopes whose names Keycloak writes into the token's "scope" claim (include.in.token.scope).
DEFAULT_TOKEN_SCOPES = ("profile", "email")
OPTIONAL_SCOPES = frozenset(
    {"address", "phone", "offline_access", "organization", "microprofile-jwt"}
)
_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"


class OAuthError(Exception):
    """An OAuth error as Keycloak reports it: HTTP status, ``error`` and ``error_description``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.status = status
        self.error = error
        self.description = description


def invalid_client() -> OAuthError:
    return OAuthError(401, "invalid_client", "Invalid client or Invalid client credentials")


@dataclass(slots=True)
class Session:
    id: str
    user_id: str
    started: float
    last_refresh: float
    auth_time: int
    clients: set[str] = field(default_factory=set)


@dataclass(slots=True)
class AuthCode:
    client_id: str
    redirect_uri: str
    user_id: str
    session_id: str
    scope: str | None
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    expires: float
    used: bool = False


@dataclass(slots=True)
class DeviceGrant:
    device_code: str
    user_code: str
    client_id: str
    scope: str | None
    expires: float
    interval: int
    last_poll: float | None = None
    status: str = "pending"  # pending | approved | denied | consumed
    user_id: str | None = None
    session_id: str | None = None


@dataclass(frozen=True, slots=True)
class Tokens:
    """A token response; ``as_dict`` is the JSON body Keycloak sends."""

    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    refresh_expires_in: int = 0
    id_token: str | None = None
    session_state: str | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": self.access_token,
            "expires_in": self.expires_in,
            "refresh_expires_in": self.refresh_expires_in,
        }
        if self.refresh_token is not None:
            body["refresh_token"] = self.refresh_token
        body["token_type"] = "Bearer"
        if self.id_token is not None:
            body["id_token"] = self.id_token
        body["not-before-policy"] = 0
        if self.session_state is not None:
            body["session_state"] = self.session_state
        body["scope"] = self.scope
        return body


class TokenService:
    """The realm's state and its token rules; thread-safe (the server runs in its own thread)."""

    def __init__(
        self, realm: Realm, keys: KeyRing, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.realm = realm
        self.keys = keys
        self.clock = clock
        self.lock = threading.RLock()
        self.sessions: dict[str, Session] = {}
        self.codes: dict[str, AuthCode] = {}
        self.devices: dict[str, DeviceGrant] = {}
        self.revoked_access_tokens: dict[str, float] = {}  # jti -> exp

    # clients and users ---------------------------------------------------------------------

    def authenticate_client(self, client_id: str | None, secret: str | None) -> Client:
        if not client_id:
            raise OAuthError(400, "invalid_request", "Missing parameter: client_id")
        client = self.realm.clients.get(client_id)
        if client is None or not client.enabled:
            raise invalid_client()
        if client.public:
            return client
        if (
            secret is None
            or client.secret is None
            or not hmac.compare_digest(secret.encode(), client.secret.encode())
        ):
            raise OAuthError(
                401, "unauthorized_client", "Invalid client or Invalid client credentials"
            )
        return client

    def check_password(self, username: str, password: str) -> User | None:
        with self.lock:
            user = self.realm.user_by_username(username)
        if (
            user is None
            or not user.enabled
            or user.password is None
            or not hmac.compare_digest(user.password.encode(), password.encode())
        ):
            return None
        return user

    def add_user(self, user: User) -> None:
        with self.lock:
            if self.realm.user_by_username(user.username) is not None:
                raise ValueError(f"user {user.username!r} exists")
            self.realm.users[user.id] = user

    # sessions ------------------------------------------------------------------------------

    def start_session(self, user: User) -> Session:
        now = self.clock()
        session = Session(
            id=str(uuid.uuid4()),
            user_id=user.id,
            started=now,
            last_refresh=now,
            auth_time=int(now),
        )
        with self.lock:
            self.sessions[session.id] = session
        return session

    def active_session(self, session_id: str | None) -> Session | None:
        if session_id is None:
            return None
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                return None
            now = self.clock()
            if (
                now >= session.last_refresh + self.realm.sso_session_idle_timeout
                or now >= session.started + self.realm.sso_session_max_lifespan
            ):
                del self.sessions[session_id]
                return None
            return session

    def end_session(self, session_id: str) -> bool:
        with self.lock:
            return self.sessions.pop(session_id, None) is not None

    # grants --------------------------------------------------------------------------------

    def password_grant(
        self,
        client: Client,
        username: str | None,
        password: str | None,
        scope: str | None,
        issuer: str,
    ) -> Tokens:
        if not client.direct_access_grants:
            raise OAuthError(
                400, "unauthorized_client", "Client not allowed for direct access grants"
            )
        if not username or password is None:
            raise OAuthError(401, "invalid_grant", "Invalid user credentials")
        user = self.check_password(username, password)
        if user is None:
            raise OAuthError(401, "invalid_grant", "Invalid user credentials")
        session = self.start_session(user)
        return self.issue(client, user, session, scope, issuer)

    def client_credentials_grant(
        self, client: Client, scope: str | None, issuer: str, client_address: str = "127.0.0.1"
    ) -> Tokens:
        if client.public:
            raise OAuthError(
                400, "unauthorized_client", "Public client not allowed to retrieve service account"
            )
        user = self.realm.service_account_user(client.client_id)
        if not client.service_accounts or user is None:
            raise OAuthError(
                400, "unauthorized_client", "Client not enabled to retrieve service account"
            )
        # Keycloak keeps no refresh token or user session for client credentials by default.
        return self.issue(client, user, None, scope, issuer, client_address=client_address)

    def refresh_grant(self, client: Client, refresh_token: str | None, issuer: str) -> Tokens:
        if not refresh_token:
            raise OAuthError(400, "invalid_request", "Missing parameter: refresh_token")
        claims = self.keys.decode(refresh_token)
        if claims is None or claims.get("typ") != "Refresh":
            raise OAuthError(400, "invalid_grant", "Invalid refresh token")
        if float(claims.get("exp", 0)) <= self.clock():
            raise OAuthError(400, "invalid_grant", "Token is not active")
        if claims.get("azp") != client.client_id:
            raise OAuthError(
                400,
                "invalid_grant",
                "Invalid refresh token. Token client and authorized client don't match",
            )
        session = self.active_session(claims.get("sid"))
        user = self.realm.users.get(str(claims.get("sub")))
        if session is None or user is None or not user.enabled:
            raise OAuthError(400, "invalid_grant", "Session not active")
        if client.client_id not in session.clients:
            # Its client session was revoked (RFC 7009), while the user session lives on.
            raise OAuthError(400, "invalid_grant", "Session doesn't have required client")
        with self.lock:
            session.last_refresh = self.clock()
        return self.issue(
            client,
            user,
            session,
            claims.get("scope"),
            issuer,
            nonce=claims.get("nonce"),
            requested_is_granted=True,
        )

    # authorization code ----------------------------------------------------------------------

    def create_code(
        self,
        client: Client,
        session: Session,
        *,
        redirect_uri: str,
        scope: str | None,
        nonce: str | None,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> str:
        code = secrets.token_urlsafe(32) + "." + session.id
        with self.lock:
            self.codes[code] = AuthCode(
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                user_id=session.user_id,
                session_id=session.id,
                scope=scope,
                nonce=nonce,
                code_challenge=code_challenge,
                code_challenge_method=code_challenge_method,
                expires=self.clock() + self.realm.access_code_lifespan,
            )
        return code

    def code_grant(
        self,
        client: Client,
        code: str | None,
        redirect_uri: str | None,
        code_verifier: str | None,
        issuer: str,
    ) -> Tokens:
        if not code:
            raise OAuthError(400, "invalid_request", "Missing parameter: code")
        if not client.standard_flow:
            raise OAuthError(400, "unauthorized_client", "Client not allowed to exchange code")
        with self.lock:
            grant = self.codes.get(code)
            # A code is single use: the first attempt consumes it, whatever its outcome.
            if grant is None or grant.used or grant.expires <= self.clock():
                raise OAuthError(400, "invalid_grant", "Code not valid")
            grant.used = True
        if grant.client_id != client.client_id:
            raise OAuthError(400, "invalid_grant", "Auth error")
        if redirect_uri != grant.redirect_uri:
            raise OAuthError(400, "invalid_grant", "Incorrect redirect_uri")
        if grant.code_challenge is not None:
            if not code_verifier:
                raise OAuthError(400, "invalid_grant", "PKCE code verifier not specified")
            if not _VERIFIER.match(code_verifier):
                raise OAuthError(
                    400, "invalid_grant", "PKCE verification failed: Invalid code verifier"
                )
            if not hmac.compare_digest(
                pkce_challenge(code_verifier, grant.code_challenge_method or "plain"),
                grant.code_challenge,
            ):
                raise OAuthError(400, "invalid_grant", "PKCE verification failed: Code mismatch")
        session = self.active_session(grant.session_id)
        user = self.realm.users.get(grant.user_id)
        if session is None or user is None:
            raise OAuthError(400, "invalid_grant", "Session not active")
        return self.issue(client, user, session, grant.scope, issuer, nonce=grant.nonce)

    # device authorization ----------------------------------------------------------------------

    def start_device_grant(self, client: Client, scope: str | None) -> DeviceGrant:
        if not client.device_grant:
            raise OAuthError(
                400,
                "unauthorized_client",
                "Client is not allowed to initiate OAuth 2.0 Device Authorization Grant. "
                "The flow is disabled for the client.",
            )
        self.granted_scope(client, scope)  # refuse unknown scopes now, as Keycloak does
        raw = "".join(secrets.choice(_USER_CODE_ALPHABET) for _ in range(8))
        grant = DeviceGrant(
            device_code=secrets.token_urlsafe(32),
            user_code=f"{raw[:4]}-{raw[4:]}",
            client_id=client.client_id,
            scope=scope,
            expires=self.clock() + self.realm.device_code_lifespan,
            interval=self.realm.device_polling_interval,
        )
        with self.lock:
            self.devices[grant.device_code] = grant
        return grant

    def find_device_grant(self, user_code: str) -> DeviceGrant | None:
        wanted = normalize_user_code(user_code)
        with self.lock:
            for grant in self.devices.values():
                if (
                    normalize_user_code(grant.user_code) == wanted
                    and grant.status == "pending"
                    and grant.expires > self.clock()
                ):
                    return grant
        return None

    def decide_device_grant(self, grant: DeviceGrant, user: User | None, *, approve: bool) -> None:
        with self.lock:
            if approve and user is not None:
                grant.status = "approved"
                grant.user_id = user.id
                grant.session_id = self.start_session(user).id
            else:
                grant.status = "denied"

    def device_grant(self, client: Client, device_code: str | None, issuer: str) -> Tokens:
        with self.lock:
            grant = self.devices.get(device_code or "")
            if grant is None or grant.client_id != client.client_id or grant.status == "consumed":
                raise OAuthError(400, "invalid_grant", "Device code not valid")
            now = self.clock()
            if grant.expires <= now:
                raise OAuthError(400, "expired_token", "Device code is expired")
            if grant.status == "denied":
                raise OAuthError(
                    400, "access_denied", "The end user denied the authorization request"
                )
            if grant.status == "pending":
                too_fast = grant.last_poll is not None and now - grant.last_poll < grant.interval
                grant.last_poll = now
                if too_fast:
                    raise OAuthError(400, "slow_down", "Slow down")
                raise OAuthError(
                    400, "authorization_pending", "The authorization request is still pending"
                )
            grant.status = "consumed"
        session = self.active_session(grant.session_id)
        user = self.realm.users.get(grant.user_id or "")
        if session is None or user is None:
            raise OAuthError(400, "invalid_grant", "Session not active")
        return self.issue(client, user, session, grant.scope, issuer)

    # revocation (RFC 7009) ---------------------------------------------------------------------

    def revoke(self, client: Client, token: str) -> None:
        """Revoke as Keycloak does: a refresh token ends the client's part of the session (the
        whole session when no other client is in it), an access token is refused until it
        expires. Unknown or expired tokens are ignored (RFC 7009 2.2)."""
        claims = self.keys.decode(token)
        if claims is None or float(claims.get("exp", 0)) <= self.clock():
            return
        kind = claims.get("typ")
        if kind not in ("Refresh", "Offline", "Bearer"):
            raise OAuthError(400, "unsupported_token_type", "Unsupported token type")
        if claims.get("azp") != client.client_id:
            raise OAuthError(400, "invalid_request", "Unmatching clients")
        with self.lock:
            if kind == "Bearer":
                now = self.clock()
                for jti in [j for j, exp in self.revoked_access_tokens.items() if exp <= now]:
                    del self.revoked_access_tokens[jti]
                self.revoked_access_tokens[str(claims.get("jti"))] = float(claims["exp"])
                return
            session = self.sessions.get(str(claims.get("sid")))
            if session is None:
                return
            session.clients.discard(client.client_id)
            if not session.clients:
                del self.sessions[session.id]

    # token issuance and checks -----------------------------------------------------------------

    def granted_scope(self, client: Client, requested: str | None) -> list[str]:
        names = (requested or "").split()
        unknown = [
            n
            for n in names
            if n != "openid" and n not in OPTIONAL_SCOPES and n not in DEFAULT_TOKEN_SCOPES
        ]
        if unknown:
            raise OAuthError(400, "invalid_scope", "Invalid scopes: " + " ".join(names))
        granted = ["openid"] if "openid" in names else []
        granted += [*DEFAULT_TOKEN_SCOPES, *sorted(set(names) & OPTIONAL_SCOPES)]
        return granted

    def issue(
        self,
        client: Client,
        user: User,
        session: Session | None,
        scope: str | None,
        issuer: str,
        *,
        nonce: str | None = None,
        requested_is_granted: bool = False,
        client_address: str = "127.0.0.1",
    ) -> Tokens:
        now = self.clock()
        iat = int(now)
        scopes = (
            (scope or "").split() if requested_is_granted else self.granted_scope(client, scope)
        )
        scope_text = " ".join(scopes)
        realm_roles = self.realm.effective_realm_roles(user)
        client_roles = self.realm.effective_client_roles(user)
        audiences = sorted(
            {m.audience for m in client.audience_mappers if m.access_token}
            | {c for c in client_roles if c != client.client_id}
        )
        profile = self._profile_claims(user, scopes)
        access: dict[str, Any] = {
            "exp": iat + self.realm.access_token_lifespan,
            "iat": iat,
            "jti": str(uuid.uuid4()),
            "iss": issuer,
        }
        if audiences:
            access["aud"] = audiences[0] if len(audiences) == 1 else audiences
        access |= {"sub": user.id, "typ": "Bearer", "azp": client.client_id}
        if session is not None:
            access["sid"] = session.id
            access["auth_time"] = session.auth_time
        # Keycloak puts the nonce in the ID token only (not in access or refresh tokens).
        access["acr"] = "1"
        origins = sorted(client.allowed_origins())
        if origins:
            access["allowed-origins"] = origins
        access["realm_access"] = {"roles": sorted(realm_roles)}
        if client_roles:
            access["resource_access"] = {c: {"roles": sorted(r)} for c, r in client_roles.items()}
        access["scope"] = scope_text
        access |= profile
        if user.service_account_client is not None:
            # Keycloak's "service_account" client scope (a default scope of these clients).
            access |= {
                "clientHost": client_address,
                "clientAddress": client_address,
                "client_id": client.client_id,
            }
        access_token = self.keys.sign(access)

        refresh_token = None
        refresh_expires_in = 0
        id_token = None
        if session is not None:
            with self.lock:
                session.clients.add(client.client_id)
            refresh_exp = int(
                min(
                    session.last_refresh + self.realm.sso_session_idle_timeout,
                    session.started + self.realm.sso_session_max_lifespan,
                )
            )
            refresh_expires_in = max(refresh_exp - iat, 0)
            refresh: dict[str, Any] = {
                "exp": refresh_exp,
                "iat": iat,
                "jti": str(uuid.uuid4()),
                "iss": issuer,
                "aud": issuer,
                "sub": user.id,
                "typ": "Refresh",
                "azp": client.client_id,
                "sid": session.id,
                "scope": scope_text,
            }
            refresh_token = self.keys.sign_refresh(refresh)
        if "openid" in scopes:
            id_claims: dict[str, Any] = {
                "exp": access["exp"],
                "iat": iat,
                "jti": str(uuid.uuid4()),
                "iss": issuer,
                "aud": client.client_id,
                "sub": user.id,
                "typ": "ID",
                "azp": client.client_id,
            }
            if session is not None:
                id_claims["sid"] = session.id
                id_claims["auth_time"] = session.auth_time
            if nonce is not None:
                id_claims["nonce"] = nonce
            id_claims["at_hash"] = _half_hash(access_token)
            id_claims["acr"] = "1"
            id_token = self.keys.sign(id_claims | profile)
        return Tokens(
            access_token=access_token,
            expires_in=self.realm.access_token_lifespan,
            scope=scope_text,
            refresh_token=refresh_token,
            refresh_expires_in=refresh_expires_in,
            id_token=id_token,
            session_state=session.id if session is not None else None,
        )

    def validate(self, token: str, *, types: Iterable[str] = ("Bearer",)) -> dict[str, Any] | None:
        """Claims of a token this realm issued that is still good, else ``None``."""
        claims = self.keys.decode(token)
        if claims is None or claims.get("typ") not in set(types):
            return None
        if float(claims.get("exp", 0)) <= self.clock():
            return None
        with self.lock:
            if str(claims.get("jti")) in self.revoked_access_tokens:
                return None
        sid = claims.get("sid")
        if sid is not None:
            session = self.active_session(str(sid))
            if session is None or claims.get("azp") not in session.clients:
                return None
        user = self.realm.users.get(str(claims.get("sub")))
        if user is None or not user.enabled:
            return None
        return claims

    def userinfo(self, claims: dict[str, Any]) -> dict[str, Any]:
        user = self.realm.users[str(claims["sub"])]
        return {"sub": user.id} | self._profile_claims(user, str(claims.get("scope", "")).split())

    @staticmethod
    def _profile_claims(user: User, scopes: Iterable[str]) -> dict[str, Any]:
        scopes = set(scopes)
        claims: dict[str, Any] = {}
        if "email" in scopes:
            claims["email_verified"] = user.email_verified
        if "profile" in scopes:
            if user.full_name:
                claims["name"] = user.full_name
            claims["preferred_username"] = user.username
            if user.first_name:
                claims["given_name"] = user.first_name
            if user.last_name:
                claims["family_name"] = user.last_name
        if "email" in scopes and user.email:
            claims["email"] = user.email
        return claims


def pkce_challenge(verifier: str, method: str) -> str:
    if method == "plain":
        return verifier
    return str(create_s256_code_challenge(verifier))


def normalize_user_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch in string.ascii_uppercase)


def _half_hash(token: str) -> str:
    digest = hashlib.sha256(token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")
