"""Fixtures: one migrated database per run, the app wired to it and to the
test realm, an HTTP client, auth headers for the demo users, tables emptied after each test."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI
from reservation_be.main import close_app, create_app
from reservation_be.settings import Settings
from reservation_be.testing import temporary_database, truncate_all
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

AuthHeaders = dict[str, str]


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    async with temporary_database(prefix="rbe_test") as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, test_realm) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(
        database_url=database_url,
        oidc_issuer=test_realm.issuer,
        workers_enabled=False,
        metrics_enabled=True,
        keycloak_admin_client_secret=test_realm.client_secret("reservation-api"),
        database_pool_size=20,
        database_max_overflow=80,
        # The suite reuses a few users for thousands of requests; tests/kit/test_rate_limit.py
        # sets real limits on apps of its own.
        rate_limit_requests=1_000_000,
        rate_limit_service_requests=1_000_000,
    )


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    yield application
    await close_app(application)


@pytest.fixture(scope="session")
def engine(app: FastAPI) -> AsyncEngine:
    return app.state.engine  # type: ignore[no-any-return]


@pytest.fixture
async def db(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    """The test's database; every table is emptied after the test (commits are real)."""
    yield engine
    await truncate_all(engine)


@pytest.fixture
async def session(app: FastAPI, db: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with app.state.sessionmaker() as s:
        yield s


@pytest.fixture
async def client(app: FastAPI, db: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


# Realm tokens live 300 s; a run can take longer, so cached ones are renewed well before.
TOKEN_REUSE_SECONDS = 120


class _TokenCache:
    def __init__(self, fetch: Callable[[str], object]) -> None:
        self._fetch = fetch
        self._tokens: dict[str, tuple[float, str]] = {}

    async def headers(self, name: str) -> AuthHeaders:
        cached = self._tokens.get(name)
        if cached is None or time.monotonic() - cached[0] > TOKEN_REUSE_SECONDS:
            token = await _maybe_await(self._fetch(name))
            cached = (time.monotonic(), str(token))
            self._tokens[name] = cached
        return {"Authorization": f"Bearer {cached[1]}"}


@pytest.fixture(scope="session")
def auth(test_realm) -> Callable[[str], Awaitable[AuthHeaders]]:  # type: ignore[no-untyped-def]
    """``await auth("alice")``: headers with a valid access token for that realm user."""
    return _TokenCache(test_realm.token).headers


@pytest.fixture(scope="session")
def service_auth(test_realm) -> Callable[[str], Awaitable[AuthHeaders]]:  # type: ignore[no-untyped-def]
    """``await service_auth("reservation-event-processor")``: a client-credentials token."""
    return _TokenCache(test_realm.service_token).headers


@pytest.fixture
def make_user(test_realm, auth):  # type: ignore[no-untyped-def]
    """``await make_user("dave", realm_roles=[...])`` -> (user id, auth headers): a new person."""

    async def create(username: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
        name = username or f"user-{uuid.uuid4().hex[:8]}"
        user_id = test_realm.create_user(name, **kwargs)
        return user_id, await auth(name)

    return create


@pytest.fixture(scope="session")
def people(test_realm) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """User ids (token ``sub``) of the demo users and of ``carol``, a user of another site."""
    try:
        test_realm.user_id("carol")
    except KeyError:
        test_realm.create_user("carol", email="carol@example.test", password="carol")
    return {name: test_realm.user_id(name) for name in ("admin", "alice", "bob", "carol")}


async def _maybe_await(value):  # type: ignore[no-untyped-def]
    if isinstance(value, Awaitable):
        return await value
    return value
