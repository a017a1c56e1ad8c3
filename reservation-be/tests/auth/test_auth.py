from __future__ import annotations

import asyncio
import time
import uuid

from reservation_db.models import User
from sqlalchemy import select


async def test_missing_token_is_401_with_bearer_challenge(client):
    response = await client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"


async def test_garbage_token_is_401(client):
    response = await client.get("/api/v1/users/me", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["www-authenticate"]


async def test_non_bearer_scheme_is_401(client):
    response = await client.get("/api/v1/users/me", headers={"Authorization": "Basic YTpi"})
    assert response.status_code == 401


def _claims(test_realm, **overrides):
    now = int(time.time())
    claims = {
        "iss": test_realm.issuer,
        "aud": "reservation-api",
        "sub": "forged-sub",
        "typ": "Bearer",
        "azp": "reservation-frontend",
        "preferred_username": "forged",
        "iat": now,
        "exp": now + 300,
    }
    claims.update(overrides)
    return claims


async def test_token_for_another_audience_is_401(client, test_realm):
    token = test_realm.sign_token(_claims(test_realm, aud="someone-else"))
    response = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_expired_token_is_401(client, test_realm):
    past = int(time.time()) - 3600
    token = test_realm.sign_token(_claims(test_realm, iat=past - 300, exp=past))
    response = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_token_from_another_issuer_is_401(client, test_realm):
    token = test_realm.sign_token(_claims(test_realm, iss="http://evil.example/realms/x"))
    response = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_platform_admin_comes_from_the_realm_role(client, auth):
    admin = (await client.get("/api/v1/users/me", headers=await auth("admin"))).json()
    bob = (await client.get("/api/v1/users/me", headers=await auth("bob"))).json()
    assert admin["is_platform_admin"] is True
    assert bob["is_platform_admin"] is False


async def test_first_sight_creates_the_user_from_token_claims(client, test_realm, auth, session):
    # A name of its own: the test realm's users outlive a test (others create "dora").
    sub = test_realm.create_user(
        "dora-first-sight", email="dora@example.test", first_name="Dora", last_name="Explorer"
    )
    response = await client.get("/api/v1/users/me", headers=await auth("dora-first-sight"))
    assert response.status_code == 200
    user = (await session.execute(select(User).where(User.id == sub))).scalar_one()
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "dora-first-sight",
        "dora@example.test",
        "Dora",
        "Explorer",
    )


async def test_concurrent_first_requests_create_one_user(client, test_realm, session):
    sub = test_realm.create_user("eve-concurrent")
    token = test_realm.token("eve-concurrent")
    headers = {"Authorization": f"Bearer {token}"}
    responses = await asyncio.gather(
        *(client.get("/api/v1/users/me", headers=headers) for _ in range(10))
    )
    assert {r.status_code for r in responses} == {200}
    rows = (await session.execute(select(User).where(User.id == sub))).scalars().all()
    assert len(rows) == 1


async def test_service_account_is_refused_on_user_endpoints(client, service_auth):
    response = await client.get(
        "/api/v1/users/me", headers=await service_auth("reservation-event-processor")
    )
    assert response.status_code == 403
    assert "Service accounts" in response.json()["detail"]


async def test_a_person_named_service_account_is_a_person(client, make_user, session):
    """The service-account prefix is a name anyone may pick; the token's claims decide."""
    sub, headers = await make_user(f"service-account-{uuid.uuid4().hex[:8]}")
    response = await client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 200, response.text
    user = (await session.execute(select(User).where(User.id == sub))).scalar_one()
    assert user.is_service_account is False


async def test_changed_claims_refresh_the_user_row(client, test_realm, session):
    claims = _claims(test_realm, sub="refresh-sub", preferred_username="old", email="old@x.test")
    first = test_realm.sign_token(claims)
    await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {first}"})
    claims.update(preferred_username="new", email="new@x.test")
    second = test_realm.sign_token(claims)
    response = await client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {second}"})
    assert response.json()["username"] == "new"
    user = (await session.execute(select(User).where(User.id == "refresh-sub"))).scalar_one()
    assert (user.username, user.email) == ("new", "new@x.test")


async def test_unreachable_identity_provider_is_503_not_401(settings, test_realm):
    import httpx
    from reservation_be.main import close_app, create_app
    from reservation_common.testing import free_port

    port = free_port()
    app = create_app(
        settings.model_copy(update={"oidc_discovery_url": f"http://127.0.0.1:{port}/realms/x"})
    )
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            token = test_realm.token("bob")
            response = await c.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        await close_app(app)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
