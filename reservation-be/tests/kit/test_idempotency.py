from __future__ import annotations

import asyncio

from reservation_db.models import Site
from sqlalchemy import func, select


async def _count_sites(session) -> int:
    return (await session.execute(select(func.count()).select_from(Site))).scalar_one()


async def test_same_key_and_body_replays_the_first_response(client, auth, session):
    headers = {**await auth("admin"), "Idempotency-Key": "create-lab-1"}
    body = {"slug": "lab", "name": "Lab"}
    first = await client.post("/api/v1/sites", json=body, headers=headers)
    second = await client.post("/api/v1/sites", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert await _count_sites(session) == 1


async def test_same_key_with_another_body_is_refused_with_422(client, auth, session):
    headers = {**await auth("admin"), "Idempotency-Key": "create-lab-2"}
    assert (
        await client.post("/api/v1/sites", json={"slug": "lab", "name": "Lab"}, headers=headers)
    ).status_code == 201
    other = await client.post("/api/v1/sites", json={"slug": "lab2", "name": "L"}, headers=headers)
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert await _count_sites(session) == 1


async def test_keys_are_scoped_per_caller(client, auth, test_realm, session):
    # The same key from two callers is two different requests.
    test_realm.create_user("otheradmin", realm_roles=["platform-admin"])
    body = {"slug": "lab", "name": "Lab"}
    a = await client.post(
        "/api/v1/sites", json=body, headers={**await auth("admin"), "Idempotency-Key": "k"}
    )
    b = await client.post(
        "/api/v1/sites",
        json={"slug": "lab-b", "name": "Lab"},
        headers={**await auth("otheradmin"), "Idempotency-Key": "k"},
    )
    assert (a.status_code, b.status_code) == (201, 201)
    assert await _count_sites(session) == 2


async def test_concurrent_retries_with_one_key_create_one_site(client, auth, session):
    headers = {**await auth("admin"), "Idempotency-Key": "burst"}
    body = {"slug": "burst", "name": "Burst"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/sites", json=body, headers=headers) for _ in range(8))
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await _count_sites(session) == 1


async def test_failed_request_does_not_burn_the_key(client, auth, session):
    headers = {**await auth("admin"), "Idempotency-Key": "retry-after-conflict"}
    await client.post(
        "/api/v1/sites", json={"slug": "taken", "name": "T"}, headers=await auth("admin")
    )
    conflict = await client.post(
        "/api/v1/sites", json={"slug": "taken", "name": "T"}, headers=headers
    )
    assert conflict.status_code == 409
    # The refused request stored nothing under the key: the same key still works later.
    await client.delete("/api/v1/sites/taken", headers=await auth("admin"))
    retry = await client.post("/api/v1/sites", json={"slug": "taken", "name": "T"}, headers=headers)
    assert retry.status_code == 201
    assert "idempotent-replayed" not in retry.headers


async def test_quoted_structured_field_key_is_the_same_key(client, auth, session):
    body = {"slug": "quoted", "name": "Q"}
    admin = await auth("admin")
    first = await client.post(
        "/api/v1/sites", json=body, headers={**admin, "Idempotency-Key": "k1"}
    )
    second = await client.post(
        "/api/v1/sites", json=body, headers={**admin, "Idempotency-Key": '"k1"'}
    )
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json()["id"] == first.json()["id"]


async def test_expired_key_runs_the_request_again(client, auth, session):
    from reservation_be.kit.idempotency import KEY_TTL
    from reservation_db.models import IdempotencyKey
    from sqlalchemy import update

    admin = {**await auth("admin"), "Idempotency-Key": "old"}
    await client.post("/api/v1/sites", json={"slug": "one", "name": "One"}, headers=admin)
    await session.execute(update(IdempotencyKey).values(created_at=func.now() - KEY_TTL - KEY_TTL))
    await session.commit()
    again = await client.post("/api/v1/sites", json={"slug": "two", "name": "Two"}, headers=admin)
    assert again.status_code == 201
    assert "idempotent-replayed" not in again.headers
    assert await _count_sites(session) == 2
