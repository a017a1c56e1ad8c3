"""Slugs are unique across all sites: choosing one must not reveal private sites."""

from __future__ import annotations

from reservation_db.models import SiteRole

from tests import factories


async def rename(client, headers, site, slug, version=1):
    return await client.patch(
        f"/api/v1/sites/{site.id}",
        json={"slug": slug},
        headers={**headers, "If-Match": f'"{version}"'},
    )


def answer(response):
    problem = response.json()
    return response.status_code, problem["type"], problem["detail"]


async def test_a_site_admin_gets_one_answer_for_free_taken_and_hidden_slugs(
    client, auth, session, people
):
    own = await factories.create_site(session, slug="own-site")
    await factories.create_site(session, slug="seen-site")
    await factories.create_site(session, slug="secret-site", visibility="private")
    await factories.add_member(session, own, people["alice"], SiteRole.SITE_ADMIN)
    alice = await auth("alice")

    answers = {
        slug: answer(await rename(client, alice, own, slug))
        for slug in ("secret-site", "seen-site", "free-site")
    }

    assert len(set(answers.values())) == 1, answers
    assert answers["secret-site"][0] == 403
    # Everything else a site admin may change is unchanged.
    described = await client.patch(
        f"/api/v1/sites/{own.id}",
        json={"slug": "own-site", "description": "ours"},
        headers={**alice, "If-Match": '"1"'},
    )
    assert described.status_code == 200, described.text


async def test_a_platform_admin_renames_and_taken_slugs_conflict(client, auth, session):
    site = await factories.create_site(session, slug="old-slug")
    await factories.create_site(session, slug="secret-site", visibility="private")
    admin = await auth("admin")
    taken = await rename(client, admin, site, "secret-site")
    assert taken.status_code == 409
    renamed = await rename(client, admin, site, "new-slug")
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["slug"] == "new-slug"
