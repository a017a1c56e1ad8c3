from __future__ import annotations

import uuid

import pytest
from reservation_be.members.directory import DirectoryUser
from reservation_db.models import Notification, SiteMember, SiteRole
from sqlalchemy import select

from tests import factories


async def _site_with_admin(session, people, slug="team", visibility="private"):
    site = await factories.create_site(session, slug=slug, visibility=visibility)
    await factories.add_member(session, site, people["alice"], SiteRole.SITE_ADMIN)
    return site


async def test_site_admin_adds_a_member_by_username(client, auth, session, people):
    site = await _site_with_admin(session, people)
    response = await client.post(
        f"/api/v1/sites/{site.id}/members",
        json={"identifier": "bob"},
        headers=await auth("alice"),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["id"] == people["bob"]  # the identity provider's id, before bob logs in
    assert body["role"] == "member"
    note = (await session.execute(select(Notification))).scalar_one()
    assert note.user_id == people["bob"]
    assert note.kind == "site.member_added"
    assert note.params == {"site": site.name, "role": "member"}
    # bob now sees the private site
    assert (await client.get("/api/v1/sites/team", headers=await auth("bob"))).status_code == 200


async def test_members_are_found_by_email(client, auth, session, people, test_realm):
    # The realm outlives the test: a name of its own, so no other test's user is in the way.
    name = f"frank-{uuid.uuid4().hex[:8]}"
    test_realm.create_user(name, email=f"{name.capitalize()}@Example.test")
    site = await _site_with_admin(session, people)
    response = await client.post(
        f"/api/v1/sites/{site.id}/members",
        json={"identifier": f"{name}@example.test", "role": "site-admin"},
        headers=await auth("alice"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["user"]["username"] == name
    assert response.json()["role"] == "site-admin"


async def test_unknown_person_is_a_422_naming_the_field(client, auth, session, people):
    site = await _site_with_admin(session, people)
    response = await client.post(
        f"/api/v1/sites/{site.id}/members",
        json={"identifier": "nobody-here"},
        headers=await auth("alice"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "identifier"]


async def test_adding_an_existing_member_is_a_conflict(client, auth, session, people):
    site = await _site_with_admin(session, people)
    response = await client.post(
        f"/api/v1/sites/{site.id}/members",
        json={"identifier": "alice"},
        headers=await auth("alice"),
    )
    assert response.status_code == 409


async def test_identity_provider_outage_is_a_503(client, auth, session, people, app):
    class Down:
        async def find(self, identifier: str) -> DirectoryUser | None:
            from reservation_be.kit.errors import ServiceUnavailable

            raise ServiceUnavailable("The identity provider cannot be reached.")

        async def aclose(self) -> None:
            pass

    site = await _site_with_admin(session, people)
    previous, app.state.user_directory = app.state.user_directory, Down()
    try:
        response = await client.post(
            f"/api/v1/sites/{site.id}/members",
            json={"identifier": "bob"},
            headers=await auth("alice"),
        )
    finally:
        app.state.user_directory = previous
    assert response.status_code == 503


async def test_member_cannot_raise_their_own_role(client, auth, session, people):
    site = await _site_with_admin(session, people)
    await factories.add_member(session, site, people["bob"], SiteRole.MEMBER)
    response = await client.patch(
        f"/api/v1/sites/{site.id}/members/{people['bob']}",
        json={"role": "site-admin"},
        headers=await auth("bob"),
    )
    assert response.status_code == 403
    role = (
        await session.execute(select(SiteMember.role).where(SiteMember.user_id == people["bob"]))
    ).scalar_one()
    assert role == "member"


async def test_site_admin_promotes_and_demotes(client, auth, session, people):
    site = await _site_with_admin(session, people)
    await factories.add_member(session, site, people["bob"], SiteRole.MEMBER)
    headers = await auth("alice")
    url = f"/api/v1/sites/{site.id}/members/{people['bob']}"
    up = await client.patch(url, json={"role": "site-admin"}, headers=headers)
    assert (up.status_code, up.json()["role"]) == (200, "site-admin")
    # with two admins, alice may step down herself
    me = f"/api/v1/sites/{site.id}/members/{people['alice']}"
    down = await client.patch(me, json={"role": "member"}, headers=headers)
    assert (down.status_code, down.json()["role"]) == (200, "member")


async def test_last_site_admin_can_be_neither_demoted_nor_removed(client, auth, session, people):
    site = await _site_with_admin(session, people)
    headers = await auth("alice")
    url = f"/api/v1/sites/{site.id}/members/{people['alice']}"
    assert (await client.patch(url, json={"role": "member"}, headers=headers)).status_code == 409
    assert (await client.delete(url, headers=headers)).status_code == 409
    admin = await auth("admin")
    assert (await client.delete(url, headers=admin)).status_code == 409


async def test_member_leaves_a_site(client, auth, session, people):
    site = await _site_with_admin(session, people, visibility="public")
    await factories.add_member(session, site, people["bob"], SiteRole.MEMBER)
    response = await client.delete(
        f"/api/v1/sites/{site.id}/members/{people['bob']}", headers=await auth("bob")
    )
    assert response.status_code == 204
    listed = await client.get(f"/api/v1/sites/{site.id}/members", headers=await auth("alice"))
    assert [m["user"]["id"] for m in listed.json()["items"]] == [people["alice"]]


async def test_members_list_filters_by_role(client, auth, session, people):
    site = await _site_with_admin(session, people)
    await factories.add_member(session, site, people["bob"], SiteRole.MEMBER)
    listed = await client.get(
        f"/api/v1/sites/{site.id}/members", params={"role": "member"}, headers=await auth("bob")
    )
    assert [m["user"]["id"] for m in listed.json()["items"]] == [people["bob"]]


async def test_two_admins_demoting_each_other_at_once_leave_one_admin(
    client, auth, session, people
):
    site = await _site_with_admin(session, people)
    await factories.add_member(session, site, people["bob"], SiteRole.SITE_ADMIN)
    import asyncio

    alice, bob = await auth("alice"), await auth("bob")
    base = f"/api/v1/sites/{site.id}/members"
    responses = await asyncio.gather(
        client.patch(f"{base}/{people['bob']}", json={"role": "member"}, headers=alice),
        client.patch(f"{base}/{people['alice']}", json={"role": "member"}, headers=bob),
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    admins = (
        (
            await session.execute(
                select(SiteMember).where(
                    SiteMember.site_id == site.id, SiteMember.role == "site-admin"
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(admins) == 1


async def test_username_with_an_at_sign_is_found(client, auth, session, people, test_realm):
    test_realm.create_user("grace@lab")
    site = await _site_with_admin(session, people)
    response = await client.post(
        f"/api/v1/sites/{site.id}/members",
        json={"identifier": "grace@lab"},
        headers=await auth("alice"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["user"]["username"] == "grace@lab"


async def test_directory_reaches_keycloak_through_the_service_account(settings, test_realm):
    from reservation_be.members.directory import KeycloakDirectory

    directory = KeycloakDirectory(settings)
    try:
        bob = await directory.find("bob")
        nobody = await directory.find("no-such-person")
    finally:
        await directory.aclose()
    assert bob is not None and bob.id == test_realm.user_id("bob")
    assert nobody is None


async def test_directory_with_a_wrong_secret_is_unavailable(settings):
    from pydantic import SecretStr
    from reservation_be.kit.errors import ServiceUnavailable
    from reservation_be.members.directory import KeycloakDirectory

    directory = KeycloakDirectory(
        settings.model_copy(update={"keycloak_admin_client_secret": SecretStr("wrong")})
    )
    try:
        with pytest.raises(ServiceUnavailable):
            await directory.find("bob")
    finally:
        await directory.aclose()
