from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc import jws, jwt
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwk import KeySet, RSAKey

from reservation_common.auth._errors import IdentityProviderUnavailableError, InvalidTokenError
from reservation_common.auth._principal import Principal

log = logging.getLogger("reservation_common.auth")

ALGORITHMS = ("RS256",)
# Keycloak marks access tokens with typ "Bearer"; ID ("ID") and refresh ("Refresh") tokens are
# signed by the same realm and must never be accepted as access tokens.
ACCESS_TOKEN_TYPE = "Bearer"
# Tokens whose signature and claims were checked, remembered until they expire (a client sends
# the same token with every request for its lifetime). About 2 KB each.
VERIFIED_TOKENS_KEPT = 1024


class TokenVerifier:
    """Verifies Keycloak access tokens against the issuer's published keys.

    Discovery is read from ``<discovery_url or issuer>/.well-known/openid-configuration`` once;
    the JWKS is cached. When ``discovery_url`` is given (the service reaches the identity provider
    at another address than the public issuer), the ``jwks_uri`` it returns is rewritten onto
    that address.

    No request ever waits for the identity provider because of a key it already knows: cached
    keys older than ``jwks_max_age_seconds`` are fetched again in the background (so a key the
    realm withdrew stops being accepted shortly after), and while that fetch fails the cached keys
    stay in use. A token naming an unknown ``kid`` (key rotation) joins one shared fetch and waits
    for it at most ``refresh_wait_seconds`` after that fetch started; fetches are at least
    ``min_jwks_refresh_seconds`` apart, and within that cool-down, or while the provider is slow
    or unreachable, an unknown ``kid`` is refused at once.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        discovery_url: str | None = None,
        leeway: int = 30,
        http_client: httpx.AsyncClient | None = None,
        min_jwks_refresh_seconds: float = 10,
        jwks_max_age_seconds: float = 300,
        refresh_wait_seconds: float = 3,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._discovery_base = (discovery_url or issuer).rstrip("/")
        self._leeway = leeway
        self._owns_client = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=10.0)
        self._min_refresh = min_jwks_refresh_seconds
        self._max_age = jwks_max_age_seconds
        self._refresh_wait = refresh_wait_seconds
        self._jwks_uri: str | None = None
        self._keys: KeySet | None = None
        self._fetched_at: float | None = None
        self._started_at = 0.0  # start of the running fetch
        self._finished_at: float | None = None  # end of the last fetch, successful or not
        self._refresh: asyncio.Task[None] | None = None
        # token -> (principal, kid, exp)
        self._verified: OrderedDict[str, tuple[Principal, str, float]] = OrderedDict()

    async def __aenter__(self) -> TokenVerifier:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._refresh is not None:
            self._refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresh
        if self._owns_client:
            await self._http.aclose()

    async def verify(self, token: str) -> Principal:
        """Return the token's principal, or raise :class:`InvalidTokenError`.

        A token verified before is not decoded and its signature not checked again: what it
        says cannot change. What can is checked on every use: it has not expired, and the key
        that signed it is still one the issuer publishes (with the same background refresh).
        """
        known = self._verified.get(token)
        if known is not None:
            principal, signed_by, exp = known
            if exp > int(time.time()) - self._leeway:
                try:
                    await self._key_for(signed_by)
                except InvalidTokenError:
                    self._verified.pop(token, None)
                    raise
                if token in self._verified:  # another request may have evicted it meanwhile
                    self._verified.move_to_end(token)
                return principal
            del self._verified[token]  # expired: the full check below says so
        header = _unverified_header(token)
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise InvalidTokenError(f"signing algorithm {alg!r} is not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidTokenError("token header has no key id")
        key = await self._key_for(kid)
        try:
            decoded = jwt.decode(token, key, algorithms=list(ALGORITHMS))
        except BadSignatureError as exc:
            raise InvalidTokenError("signature does not verify") from exc
        except JoseError as exc:
            raise InvalidTokenError(f"token could not be decoded: {exc.error}") from exc
        self._validate_claims(decoded.claims)
        principal = Principal.from_claims(decoded.claims)
        self._verified[token] = (principal, kid, float(decoded.claims["exp"]))
        if len(self._verified) > VERIFIED_TOKENS_KEPT:
            self._verified.popitem(last=False)
        return principal

    def _validate_claims(self, claims: dict[str, Any]) -> None:
        registry = jwt.JWTClaimsRegistry(
            leeway=self._leeway,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            sub={"essential": True},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError as exc:
            raise InvalidTokenError("token has expired") from exc
        except MissingClaimError as exc:
            raise InvalidTokenError(f"token lacks required claim(s): {exc.description}") from exc
        except ClaimError as exc:
            raise InvalidTokenError(f"claim {exc.claim!r} is not acceptable") from exc
        typ = claims.get("typ")
        if typ is not None and typ != ACCESS_TOKEN_TYPE:
            raise InvalidTokenError(f"token type {typ!r} is not an access token")

    async def _key_for(self, kid: str) -> RSAKey:
        keys = self._keys
        if keys is not None and _has_kid(keys, kid):
            if self._stale() and not self._cooling_down():
                self._start_refresh()  # serve the cached key meanwhile
        else:
            keys = await self._fetch_for_unknown_kid()
            if keys is None:
                raise IdentityProviderUnavailableError(
                    "the identity provider's keys could not be fetched yet"
                )
            if not _has_kid(keys, kid):
                raise InvalidTokenError("token is signed with an unknown key")
        key = keys.get_by_kid(kid)
        if not isinstance(key, RSAKey):
            raise InvalidTokenError("token is signed with a key that is not an RSA key")
        return key

    def _stale(self) -> bool:
        return self._fetched_at is None or time.monotonic() - self._fetched_at >= self._max_age

    def _cooling_down(self) -> bool:
        return (
            self._finished_at is not None
            and time.monotonic() - self._finished_at < self._min_refresh
        )

    def _start_refresh(self) -> asyncio.Task[None]:
        if self._refresh is None:
            self._started_at = time.monotonic()
            self._refresh = asyncio.create_task(self._do_refresh(), name="jwks-refresh")
        return self._refresh

    async def _fetch_for_unknown_kid(self) -> KeySet | None:
        """The keys after at most one bounded wait for a shared fetch; never a new fetch within
        the cool-down, never a wait once the running fetch has taken ``refresh_wait_seconds``."""
        if self._refresh is None and self._cooling_down():
            return self._keys
        task = self._start_refresh()
        remaining = self._started_at + self._refresh_wait - time.monotonic()
        if remaining > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), remaining)
        return self._keys

    async def _do_refresh(self) -> None:
        try:
            fresh = await self._fetch_keys()
        except IdentityProviderUnavailableError as exc:
            log.warning("JWKS refresh failed, keeping the cached keys: %s", exc.reason)
        except Exception:  # a background task must not die silently; the next one retries
            log.exception("JWKS refresh failed, keeping the cached keys")
        else:
            self._keys = fresh
            self._fetched_at = time.monotonic()
        finally:
            self._finished_at = time.monotonic()
            self._refresh = None

    async def _fetch_keys(self) -> KeySet:
        if self._jwks_uri is None:
            config = await self._get_json(
                f"{self._discovery_base}/.well-known/openid-configuration"
            )
            jwks_uri = config.get("jwks_uri")
            if not isinstance(jwks_uri, str):
                raise IdentityProviderUnavailableError("discovery document has no jwks_uri")
            self._jwks_uri = self._rebase(jwks_uri)
        jwks = await self._get_json(self._jwks_uri)
        signing = [
            k for k in jwks.get("keys", []) if isinstance(k, dict) and k.get("use", "sig") == "sig"
        ]
        try:
            return KeySet.import_key_set({"keys": signing})
        except JoseError as exc:
            raise IdentityProviderUnavailableError("JWKS holds no usable signing key") from exc

    def _rebase(self, url: str) -> str:
        if self._discovery_base == self.issuer:
            return url
        public, internal = urlsplit(self.issuer), urlsplit(self._discovery_base)
        target = urlsplit(url)
        if (target.scheme, target.netloc) != (public.scheme, public.netloc):
            return url
        return target._replace(scheme=internal.scheme, netloc=internal.netloc).geturl()

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self._http.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise IdentityProviderUnavailableError(
                f"could not fetch {url}: {type(exc).__name__}"
            ) from exc
        if not isinstance(body, dict):
            raise IdentityProviderUnavailableError(f"{url} did not return a JSON object")
        return body


def _has_kid(keys: KeySet, kid: str) -> bool:
    return any(key.kid == kid for key in keys)


def _unverified_header(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or token.count(".") != 2:
        raise InvalidTokenError("token is not a compact JWS")
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError, json.JSONDecodeError) as exc:
        raise InvalidTokenError("token header is malformed") from exc
    return dict(header)
