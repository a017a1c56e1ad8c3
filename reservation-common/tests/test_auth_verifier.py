"""TokenVerifier against the running test realm: real discovery, real JWKS, real tokens."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from reservation_common.auth import (
    IdentityProviderUnavailableError,
    InvalidTokenError,
    Principal,
    TokenVerifier,
)
from reservation_common.testing import free_port
from reservation_testrealm.server import TestRealm

AUDIENCE = "reservation-api"


class CountingClient(httpx.AsyncClient):
    """An httpx client that remembers which URLs it fetched."""

    def __init__(self) -> None:
        super().__init__(timeout=5.0)
        self.fetched: list[str] = []

    async def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        self.fetched.append(str(request.url))
        return await super().send(request, **kwargs)

    def jwks_fetches(self) -> int:
        return sum(url.endswith("/certs") for url in self.fetched)


@pytest.fixture
async def http() -> AsyncIterator[CountingClient]:
    async with CountingClient() as client:
        yield client


@pytest.fixture
async def verifier(test_realm: TestRealm, http: CountingClient) -> AsyncIterator[TokenVerifier]:
    async with TokenVerifier(test_realm.issuer, AUDIENCE, http_client=http) as v:
        yield v


def claims_for(realm: TestRealm, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "iss": realm.issuer,
        "aud": AUDIENCE,
        "sub": realm.user_id("alice"),
        "typ": "Bearer",
        "azp": "reservation-cli",
        "preferred_username": "alice",
        "realm_access": {"roles": ["default-roles-reservations"]},
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def refused(verifier: TokenVerifier, token: str) -> InvalidTokenError:
    with pytest.raises(InvalidTokenError) as caught:
        await verifier.verify(token)
    assert token not in str(caught.value)
    assert token not in caught.value.reason
    return caught.value


# accepted tokens -------------------------------------------------------------------------------


async def test_user_token_gives_principal_with_keycloak_claims(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    principal = await verifier.verify(test_realm.token("admin"))

    assert isinstance(principal, Principal)
    assert principal.sub == test_realm.user_id("admin")
    assert principal.username == "admin"
    assert principal.email == "admin@example.com"
    assert principal.name == "Ada Admin"
    assert principal.has_realm_role("platform-admin")
    assert "default-roles-reservations" in principal.realm_roles
    assert principal.azp == "reservation-frontend"
    assert {"openid", "profile", "email"} <= principal.scope
    assert not principal.is_service_account
    assert principal.client_id is None
    assert principal.claims["typ"] == "Bearer"


async def test_member_token_has_no_platform_role(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    principal = await verifier.verify(test_realm.token("bob"))

    assert principal.username == "bob"
    assert not principal.has_realm_role("platform-admin")


async def test_service_account_token_is_marked_with_its_client(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    principal = await verifier.verify(test_realm.service_token("switch-port-webhook"))

    assert principal.is_service_account
    assert principal.client_id == "switch-port-webhook"
    assert principal.username == "service-account-switch-port-webhook"
    assert principal.email is None


async def test_client_roles_come_from_resource_access(test_realm: TestRealm) -> None:
    # The API's own service account holds realm-management roles; its tokens name
    # realm-management as audience, as Keycloak's audience resolution does.
    token = test_realm.service_token("reservation-api")
    async with TokenVerifier(test_realm.issuer, "realm-management") as verifier:
        principal = await verifier.verify(token)

    # view-users holds query-groups (a composite role in Keycloak and in the test realm).
    assert principal.client_roles["realm-management"] == {
        "view-users",
        "query-users",
        "query-groups",
    }
    assert principal.has_client_role("realm-management", "view-users")
    assert not principal.has_client_role("realm-management", "manage-users")


async def test_keys_are_fetched_once_for_many_tokens(
    test_realm: TestRealm, verifier: TokenVerifier, http: CountingClient
) -> None:
    tokens = [test_realm.token("alice"), test_realm.token("bob"), test_realm.token("admin")]

    await asyncio.gather(*(verifier.verify(t) for t in tokens * 5))

    assert http.jwks_fetches() == 1
    assert sum(u.endswith("/openid-configuration") for u in http.fetched) == 1


async def test_expiry_within_leeway_is_accepted(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    token = test_realm.sign_token(claims_for(test_realm, exp=int(time.time()) - 10))

    assert (await verifier.verify(token)).username == "alice"


async def test_a_token_seen_before_is_not_decoded_again(
    test_realm: TestRealm, verifier: TokenVerifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = test_realm.token("alice")
    decoded: list[str] = []
    real_decode = jwt.decode
    monkeypatch.setattr(
        "reservation_common.auth._verifier.jwt.decode",
        lambda value, *a, **kw: decoded.append(value) or real_decode(value, *a, **kw),
    )

    principals = [await verifier.verify(token) for _ in range(3)]

    assert decoded == [token]
    assert {p.username for p in principals} == {"alice"}


async def test_a_token_seen_before_is_refused_once_it_expires(test_realm: TestRealm) -> None:
    token = test_realm.sign_token(claims_for(test_realm, exp=int(time.time()) + 2))
    async with TokenVerifier(test_realm.issuer, AUDIENCE, leeway=0) as verifier:
        assert (await verifier.verify(token)).username == "alice"
        await asyncio.sleep(3.1)

        error = await refused(verifier, token)

    assert "expired" in error.reason


async def test_audience_list_containing_the_api_is_accepted(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    token = test_realm.sign_token(claims_for(test_realm, aud=["account", AUDIENCE]))

    assert (await verifier.verify(token)).username == "alice"


# refused tokens --------------------------------------------------------------------------------


async def test_bad_signature_is_refused(test_realm: TestRealm, verifier: TokenVerifier) -> None:
    header, _, signature = test_realm.token("bob").split(".")
    forged_payload = b64(claims_for(test_realm, preferred_username="admin"))

    error = await refused(verifier, f"{header}.{forged_payload}.{signature}")

    assert "signature" in error.reason


async def test_token_signed_by_a_foreign_key_with_a_known_kid_is_refused(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    foreign = RSAKey.generate_key(2048)
    token = jwt.encode(
        {"alg": "RS256", "kid": test_realm.active_kid}, claims_for(test_realm), foreign
    )

    error = await refused(verifier, token)

    assert "signature" in error.reason


async def test_other_issuer_is_refused(test_realm: TestRealm, verifier: TokenVerifier) -> None:
    token = test_realm.sign_token(
        claims_for(test_realm, iss="http://127.0.0.1:1/realms/reservations")
    )

    error = await refused(verifier, token)

    assert "iss" in error.reason


async def test_missing_audience_is_refused(test_realm: TestRealm, verifier: TokenVerifier) -> None:
    token = test_realm.sign_token(claims_for(test_realm, aud=None))

    error = await refused(verifier, token)

    assert "aud" in error.reason


async def test_other_audience_is_refused(test_realm: TestRealm, verifier: TokenVerifier) -> None:
    token = test_realm.sign_token(claims_for(test_realm, aud=["account", "reservation-frontend"]))

    error = await refused(verifier, token)

    assert "aud" in error.reason


async def test_expired_token_is_refused(test_realm: TestRealm, verifier: TokenVerifier) -> None:
    token = test_realm.sign_token(claims_for(test_realm, exp=int(time.time()) - 120))

    error = await refused(verifier, token)

    assert "expired" in error.reason


async def test_token_without_expiry_is_refused(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    token = test_realm.sign_token(claims_for(test_realm, exp=None))

    error = await refused(verifier, token)

    assert "exp" in error.reason


async def test_not_yet_valid_token_is_refused(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    token = test_realm.sign_token(claims_for(test_realm, nbf=int(time.time()) + 120))

    error = await refused(verifier, token)

    assert "nbf" in error.reason


async def test_alg_none_is_refused(test_realm: TestRealm, verifier: TokenVerifier) -> None:
    header = b64({"alg": "none", "typ": "JWT", "kid": test_realm.active_kid})
    token = f"{header}.{b64(claims_for(test_realm))}."

    error = await refused(verifier, token)

    assert "'none'" in error.reason


async def test_hmac_token_keyed_with_the_public_key_is_refused(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    # The classic algorithm confusion: HS256 with the published RSA key as the shared secret.
    jwks = httpx.get(f"{test_realm.issuer}/protocol/openid-connect/certs").json()
    secret = OctKey.import_key(json.dumps(jwks["keys"][0]).encode())
    token = jwt.encode(
        {"alg": "HS256", "kid": test_realm.active_kid}, claims_for(test_realm), secret
    )

    error = await refused(verifier, token)

    assert "HS256" in error.reason


async def test_refresh_and_id_tokens_are_not_access_tokens(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    id_like = test_realm.sign_token(claims_for(test_realm, typ="ID"))
    refresh_token = test_realm.tokens("alice")["refresh_token"]

    assert "not an access token" in (await refused(verifier, id_like)).reason
    await refused(verifier, refresh_token)


async def test_id_token_of_a_real_login_is_refused(
    test_realm: TestRealm, verifier: TokenVerifier
) -> None:
    id_token = test_realm.tokens("alice")["id_token"]

    error = await refused(verifier, id_token)

    assert "aud" in error.reason


@pytest.mark.parametrize(
    "garbage",
    ["", "not-a-token", "a.b", "a.b.c", "a.b.c.d", "eyJhbGciOiJSUzI1NiJ9.e30"],
)
async def test_malformed_tokens_are_refused(verifier: TokenVerifier, garbage: str) -> None:
    with pytest.raises(InvalidTokenError):
        await verifier.verify(garbage)


async def test_unknown_kid_right_after_a_fetch_is_refused_without_refetching(
    test_realm: TestRealm, verifier: TokenVerifier, http: CountingClient
) -> None:
    await verifier.verify(test_realm.token("alice"))
    foreign = RSAKey.generate_key(2048)
    token = jwt.encode({"alg": "RS256", "kid": "unknown-kid"}, claims_for(test_realm), foreign)

    error = await refused(verifier, token)

    assert "unknown key" in error.reason
    # The first sighting of the kid was within the minimum refresh interval: no refetch yet.
    assert http.jwks_fetches() == 1


async def test_unknown_kid_triggers_a_rate_limited_refetch(
    test_realm: TestRealm, http: CountingClient
) -> None:
    foreign = RSAKey.generate_key(2048)
    tokens = [
        jwt.encode({"alg": "RS256", "kid": f"unknown-{i}"}, claims_for(test_realm), foreign)
        for i in range(20)
    ]
    async with TokenVerifier(
        test_realm.issuer, AUDIENCE, http_client=http, min_jwks_refresh_seconds=0.3
    ) as verifier:
        await verifier.verify(test_realm.token("alice"))
        for token in tokens[:10]:
            await refused(verifier, token)
        assert http.jwks_fetches() == 1  # ten unknown kids within the interval: no refetch
        await asyncio.sleep(0.35)
        for token in tokens[10:]:
            await refused(verifier, token)

    assert http.jwks_fetches() == 2


async def test_rotated_key_is_picked_up_by_refetch(
    test_realm: TestRealm, http: CountingClient
) -> None:
    async with TokenVerifier(
        test_realm.issuer, AUDIENCE, http_client=http, min_jwks_refresh_seconds=0
    ) as verifier:
        old_token = test_realm.token("alice")
        await verifier.verify(old_token)

        new_kid = test_realm.rotate_keys()
        new_token = test_realm.token("alice")

        assert json.loads(base64.urlsafe_b64decode(new_token.split(".")[0] + "=="))["kid"] == (
            new_kid
        )
        assert (await verifier.verify(new_token)).username == "alice"
        # The old key stays published after rotation: tokens it signed are still good.
        assert (await verifier.verify(old_token)).username == "alice"
    assert http.jwks_fetches() == 2


async def test_token_signed_by_a_rotated_out_key_is_refused(test_realm: TestRealm) -> None:
    old_kid = test_realm.active_kid
    old_token = test_realm.token("bob")
    test_realm.rotate_keys()
    async with TokenVerifier(
        test_realm.issuer, AUDIENCE, min_jwks_refresh_seconds=0, jwks_max_age_seconds=0
    ) as verifier:
        assert (await verifier.verify(old_token)).username == "bob"

        test_realm.remove_key(old_kid)

        # The cached key serves until the background refresh (started by this use) replaces it.
        for _ in range(100):
            try:
                await verifier.verify(old_token)
            except InvalidTokenError as error:
                assert "unknown key" in error.reason
                break
            await asyncio.sleep(0.02)
        else:
            pytest.fail("the withdrawn key was still accepted after 2 s")
        assert (await verifier.verify(test_realm.token("bob"))).username == "bob"


# where the identity provider is ----------------------------------------------------------------


async def test_discovery_url_reaches_the_provider_behind_another_address() -> None:
    public = "http://idp.reservations.test:8080"
    with TestRealm(public_url=public) as realm:
        token = realm.token("alice")
        assert realm.issuer == f"{public}/realms/reservations"
        async with TokenVerifier(
            realm.issuer, AUDIENCE, discovery_url=realm.local_issuer
        ) as verifier:
            principal = await verifier.verify(token)

    assert principal.username == "alice"


async def test_unreachable_provider_is_reported_as_unavailable(test_realm: TestRealm) -> None:
    closed_port = free_port()
    async with TokenVerifier(
        f"http://127.0.0.1:{closed_port}/realms/reservations", AUDIENCE
    ) as verifier:
        with pytest.raises(IdentityProviderUnavailableError) as caught:
            await verifier.verify(test_realm.token("alice"))

    assert isinstance(caught.value, InvalidTokenError)


# an identity-provider outage -------------------------------------------------------------------


class BlackholeProxy:
    """Forwards a loopback port to the realm; ``blackhole()`` drops every open connection and
    then accepts new ones without ever answering (a provider that hangs)."""

    def __init__(self, target_port: int) -> None:
        self._target_port = target_port
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.blackholed = False
        self.port = 0

    async def __aenter__(self) -> BlackholeProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._abort_all()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    def blackhole(self) -> None:
        self.blackholed = True
        self._abort_all()

    def restore(self) -> None:
        self.blackholed = False
        self._abort_all()

    def _abort_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self.blackholed:
            return  # held open, never answered
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self._target_port)
        self._writers.add(up_writer)
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    writer.transport.abort()


def unknown_kid_token(realm: TestRealm) -> str:
    foreign = RSAKey.generate_key(2048)
    return jwt.encode(
        {"alg": "RS256", "kid": f"unknown-{uuid.uuid4().hex[:8]}"}, claims_for(realm), foreign
    )


async def test_provider_outage_neither_stalls_known_keys_nor_unknown_kids(
    test_realm: TestRealm,
) -> None:
    port = int(test_realm.local_url.rsplit(":", 1)[1])
    tokens = [test_realm.token(name) for name in ("alice", "bob", "admin")] * 7
    strangers = [unknown_kid_token(test_realm) for _ in range(10)]
    async with (
        BlackholeProxy(port) as proxy,
        CountingClient() as http,
        TokenVerifier(
            test_realm.issuer,
            AUDIENCE,
            discovery_url=f"http://127.0.0.1:{proxy.port}/realms/{test_realm.realm_name}",
            http_client=http,
            min_jwks_refresh_seconds=0.3,
            jwks_max_age_seconds=0.2,
            refresh_wait_seconds=0.5,
        ) as verifier,
    ):
        await verifier.verify(tokens[0])
        proxy.blackhole()
        await asyncio.sleep(0.4)  # the cached keys are due for a refresh, past the cool-down

        # A refresh against the hung provider (5 s client timeout) must not hold them up.
        principals = await asyncio.wait_for(
            asyncio.gather(*(verifier.verify(t) for t in tokens)), 1.0
        )
        assert {p.username for p in principals} == {"alice", "bob", "admin"}

        # An unknown kid waits at most refresh_wait for the running fetch, then gets a 401 ...
        error = await asyncio.wait_for(refused(verifier, strangers[0]), 1.5)
        assert "unknown key" in error.reason
        assert not isinstance(error, IdentityProviderUnavailableError)
        # ... and every later one is refused at once while the provider stays unreachable.
        errors = await asyncio.wait_for(
            asyncio.gather(*(refused(verifier, t) for t in strangers[1:])), 0.5
        )
        assert all("unknown key" in e.reason for e in errors)
        fetches_during_outage = http.jwks_fetches()
        assert fetches_during_outage == 2  # the first one, and one shared refresh

        # Back online: after the cool-down a rotated key is picked up.
        proxy.restore()
        test_realm.rotate_keys()
        rotated = test_realm.token("alice")
        for _ in range(100):
            try:
                assert (await verifier.verify(rotated)).username == "alice"
                break
            except InvalidTokenError:
                await asyncio.sleep(0.05)
        else:
            pytest.fail("the rotated key was not picked up within 5 s of the provider's return")


async def test_a_hung_provider_at_start_answers_unavailable_within_the_wait(
    test_realm: TestRealm,
) -> None:
    port = int(test_realm.local_url.rsplit(":", 1)[1])
    token = test_realm.token("alice")
    async with (
        BlackholeProxy(port) as proxy,
        CountingClient() as http,
        TokenVerifier(
            test_realm.issuer,
            AUDIENCE,
            discovery_url=f"http://127.0.0.1:{proxy.port}/realms/{test_realm.realm_name}",
            http_client=http,
            min_jwks_refresh_seconds=30,
            refresh_wait_seconds=0.5,
        ) as verifier,
    ):
        proxy.blackhole()
        # No key yet: the token cannot be checked (a 503 for the API), after at most the wait ...
        with pytest.raises(IdentityProviderUnavailableError):
            await asyncio.wait_for(verifier.verify(token), 1.5)
        # ... and every request while that fetch hangs is answered at once, sharing it.
        for _ in range(10):
            with pytest.raises(IdentityProviderUnavailableError):
                await asyncio.wait_for(verifier.verify(token), 0.2)
        assert sum(u.endswith("/openid-configuration") for u in http.fetched) == 1
