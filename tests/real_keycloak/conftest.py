"""Fixtures of the real-Keycloak suite: Keycloak itself comes from the ``real_keycloak`` fixture
(one server per test run, see ``reservation_testrealm.real``); the backend runs in-process,
wired to it and to its own temporary PostgreSQL database."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from fastapi import FastAPI
from reservation_be.main import close_app, create_app
from reservation_be.settings import Settings
from reservation_be.testing import temporary_database, truncate_all
from reservation_testrealm.real import RealKeycloak

API = "/api/v1"


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


session_fixture = pytest_asyncio.fixture(scope="session", loop_scope="session")


@session_fixture
async def database_url() -> AsyncIterator[str]:
    async with temporary_database(prefix="kc_real") as url:
        yield url


@session_fixture
async def backend(database_url: str, real_keycloak: RealKeycloak) -> AsyncIterator[FastAPI]:
    settings = Settings(
        database_url=database_url,
        oidc_issuer=real_keycloak.issuer,
        workers_enabled=False,
        keycloak_admin_client_secret=real_keycloak.client_secret("reservation-api"),
    )
    application = create_app(settings)
    yield application
    await close_app(application)


@pytest_asyncio.fixture(loop_scope="session")
async def api(backend: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=backend, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await truncate_all(backend.state.engine)
