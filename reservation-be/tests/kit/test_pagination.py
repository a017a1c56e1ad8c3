from __future__ import annotations

from tests import factories


async def test_pages_are_cut_in_sql_with_totals(client, auth, session):
    for i in range(7):
        await factories.create_site(session, slug=f"s{i}", name=f"Site {i}", commit=False)
    await session.commit()
    headers = await auth("admin")
    page = await client.get("/api/v1/sites", params={"page": 2, "size": 3}, headers=headers)
    assert page.status_code == 200
    body = page.json()
    assert [s["slug"] for s in body["items"]] == ["s3", "s4", "s5"]
    assert body["meta"] == {"page": 2, "size": 3, "total": 7, "pages": 3}


async def test_page_size_above_the_maximum_is_refused(client, auth):
    response = await client.get("/api/v1/sites", params={"size": 1000}, headers=await auth("bob"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["query", "size"]
