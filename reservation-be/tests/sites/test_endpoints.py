from __future__ import annotations

from reservation_db.models import AuditLogEntry, SiteRole
from sqlalchemy import select

from tests import factories


async def test_platform_admin_creates_a_site_and_it_is_audited(client, auth, session):
    response = await client.post(
        "/api/v1/sites",
        json={"slug": "lab-1", "name": "Lab 1", "visibility": "private"},
        headers=await auth("admin"),
    )
    assert response.status_code == 201
    site = response.json()
    assert response.headers["location"] == f"/api/v1/sites/{site['id']}"
    assert response.headers["etag"] == '"1"'
    assert (site["slug"], site["visibility"], site["version"]) == ("lab-1", "private", 1)
    entry = (await session.execute(select(AuditLogEntry))).scalar_one()
    assert (entry.entity, entry.action, entry.actor_username) == ("site", "create", "admin")
    assert entry.request_id == response.headers["x-request-id"]


async def test_duplicate_slug_is_a_conflict(client, auth):
    headers = await auth("admin")
    body = {"slug": "dup", "name": "Dup"}
    assert (await client.post("/api/v1/sites", json=body, headers=headers)).status_code == 201
    again = await client.post("/api/v1/sites", json=body, headers=headers)
    assert again.status_code == 409
    assert "dup" in again.json()["detail"]


async def test_site_is_found_by_id_or_slug(client, auth, session):
    site = await factories.create_site(session, slug="by-slug")
    headers = await auth("bob")
    by_id = await client.get(f"/api/v1/sites/{site.id}", headers=headers)
    by_slug = await client.get("/api/v1/sites/by-slug", headers=headers)
    assert by_id.status_code == by_slug.status_code == 200
    assert by_id.json() == by_slug.json()


async def test_private_site_is_invisible_to_non_members(client, auth, session, people):
    private = await factories.create_site(session, slug="hidden", visibility="private")
    await factories.create_site(session, slug="open")
    await factories.add_member(session, private, people["alice"], SiteRole.MEMBER)
    bob = await auth("bob")
    assert (await client.get("/api/v1/sites/hidden", headers=bob)).status_code == 404
    listed = (await client.get("/api/v1/sites", headers=bob)).json()
    assert [s["slug"] for s in listed["items"]] == ["open"]
    alice = (await client.get("/api/v1/sites", headers=await auth("alice"))).json()
    assert {s["slug"]: s["my_role"] for s in alice["items"]} == {"hidden": "member", "open": None}
    admin = (await client.get("/api/v1/sites", headers=await auth("admin"))).json()
    assert admin["meta"]["total"] == 2


async def test_list_filters_by_visibility_and_search(client, auth, session):
    await factories.create_site(session, slug="alpha-lab", name="Alpha")
    await factories.create_site(session, slug="beta", name="Beta lab", visibility="private")
    await factories.create_site(session, slug="gamma", name="Gamma")
    headers = await auth("admin")
    found = (await client.get("/api/v1/sites", params={"q": "lab"}, headers=headers)).json()
    assert [s["slug"] for s in found["items"]] == ["alpha-lab", "beta"]
    private = (
        await client.get("/api/v1/sites", params={"visibility": "private"}, headers=headers)
    ).json()
    assert [s["slug"] for s in private["items"]] == ["beta"]
    literal = (await client.get("/api/v1/sites", params={"q": "%"}, headers=headers)).json()
    assert literal["items"] == []  # LIKE wildcards are matched literally


async def test_update_requires_if_match_and_refuses_stale_versions(client, auth, session, people):
    site = await factories.create_site(session, slug="versioned")
    await factories.add_member(session, site, people["alice"], SiteRole.SITE_ADMIN)
    headers = await auth("alice")
    url = f"/api/v1/sites/{site.id}"
    missing = await client.patch(url, json={"name": "New"}, headers=headers)
    assert missing.status_code == 428
    ok = await client.patch(url, json={"name": "New"}, headers={**headers, "If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    assert ok.json()["name"] == "New"
    stale = await client.patch(url, json={"name": "Newer"}, headers={**headers, "If-Match": '"1"'})
    assert stale.status_code == 412
    assert stale.headers["etag"] == '"2"'
    assert (await client.get(url, headers=headers)).json()["name"] == "New"


async def test_slug_change_to_a_taken_slug_is_a_conflict(client, auth, session):
    await factories.create_site(session, slug="first")
    second = await factories.create_site(session, slug="second")
    response = await client.patch(
        f"/api/v1/sites/{second.id}",
        json={"slug": "first"},
        headers={**await auth("admin"), "If-Match": '"1"'},
    )
    assert response.status_code == 409


async def test_delete_removes_the_site_and_its_memberships(client, auth, session, people):
    site = await factories.create_site(session, slug="doomed")
    await factories.add_member(session, site, people["bob"])
    headers = await auth("admin")
    assert (await client.delete("/api/v1/sites/doomed", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/sites/doomed", headers=headers)).status_code == 404


async def test_null_in_an_update_is_refused_not_ignored(client, auth, session):
    site = await factories.create_site(session, slug="nulls")
    response = await client.patch(
        f"/api/v1/sites/{site.id}",
        json={"name": None},
        headers={**await auth("admin"), "If-Match": '"1"'},
    )
    assert response.status_code == 422
    assert "name" in response.json()["detail"]
