from __future__ import annotations

from reservation_be.auth.actor import Actor
from reservation_be.kit import audit
from reservation_db.models import SiteRole

from tests import factories


async def _seed(session, people):
    a = await factories.create_site(session, slug="a", visibility="private")
    b = await factories.create_site(session, slug="b")
    await factories.add_member(session, a, people["alice"], SiteRole.SITE_ADMIN)
    await factories.add_member(session, b, people["bob"], SiteRole.SITE_ADMIN)
    alice = Actor(user_id=people["alice"], username="alice")
    bob = Actor(user_id=people["bob"], username="bob")
    await audit.record(session, alice, a.id, "site", a.id, "update", {"n": 1}, {"n": 2})
    await audit.record(session, alice, a.id, "resource", "r1", "create", None, {"x": 1})
    await audit.record(session, bob, b.id, "site", b.id, "update", None, None)
    await audit.record(session, None, None, "system", "scheduler", "tick")
    await session.commit()
    return a, b


async def test_site_admin_sees_only_their_sites(client, auth, session, people):
    a, _ = await _seed(session, people)
    alice = await auth("alice")
    everything = (await client.get("/api/v1/audit", headers=alice)).json()
    assert {e["site_id"] for e in everything["items"]} == {str(a.id)}
    assert everything["meta"]["total"] == 2
    assert (await client.get("/api/v1/audit?site=b", headers=alice)).status_code == 403


async def test_platform_admin_sees_everything(client, auth, session, people):
    await _seed(session, people)
    body = (await client.get("/api/v1/audit", headers=await auth("admin"))).json()
    assert body["meta"]["total"] == 4


async def test_filters_by_entity_actor_and_period(client, auth, session, people):
    await _seed(session, people)
    headers = await auth("admin")
    by_entity = (await client.get("/api/v1/audit?entity=resource", headers=headers)).json()
    assert [e["entity_id"] for e in by_entity["items"]] == ["r1"]
    by_actor = (
        await client.get("/api/v1/audit", params={"actor": people["bob"]}, headers=headers)
    ).json()
    assert by_actor["meta"]["total"] == 1
    by_site = (await client.get("/api/v1/audit?site=a", headers=headers)).json()
    assert by_site["meta"]["total"] == 2
    future = (
        await client.get("/api/v1/audit", params={"since": "2999-01-01T00:00:00Z"}, headers=headers)
    ).json()
    assert future["meta"]["total"] == 0
    past = (
        await client.get(
            "/api/v1/audit", params={"until": "2000-01-01T00:00:00+02:00"}, headers=headers
        )
    ).json()
    assert past["meta"]["total"] == 0


async def test_inverted_period_is_a_422(client, auth):
    response = await client.get(
        "/api/v1/audit",
        params={"since": "2026-02-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
        headers=await auth("admin"),
    )
    assert response.status_code == 422
