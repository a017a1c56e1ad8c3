from __future__ import annotations

from reservation_db.models.resource import Resource
from sqlalchemy import func, select


async def test_search_filters_sorts_and_paginates_in_sql(client, auth, lab):
    alice = await auth("alice")
    url = f"/api/v1/sites/{lab.site.slug}/resources"
    for name, attrs, status in (
        ("switch-1", {"rack": "A", "ports": 48}, "active"),
        ("switch-2", {"rack": "B", "ports": 24}, "maintenance"),
    ):
        created = await client.post(
            url,
            json={
                "name": name,
                "type_id": str(lab.rtype.id),
                "attributes": attrs,
                "status": status,
                "location": "Room 1",
            },
            headers=alice,
        )
        assert created.status_code == 201, created.text

    async def names(**params):
        response = await client.get(url, params=params, headers=alice)
        assert response.status_code == 200, response.text
        return [r["name"] for r in response.json()["items"]]

    assert await names(q="switch") == ["switch-1", "switch-2"]
    assert await names(q="room 1", sort="-name") == ["switch-2", "switch-1"]
    assert await names(status="maintenance") == ["switch-2"]
    assert await names(attributes='{"ports": 48}') == ["switch-1"]
    assert await names(parent_id=str(lab.rack.id)) == ["server-1", "server-2"]
    assert await names(roots_only="true") == ["rack-a", "switch-1", "switch-2"]
    assert await names(q="%") == []
    page = await client.get(url, params={"size": 2, "page": 2}, headers=alice)
    assert page.json()["meta"]["total"] == 5
    assert [r["name"] for r in page.json()["items"]] == ["server-2", "switch-1"]
    for bad in ({"attributes": "{nope"}, {"sort": "color"}, {"size": 1000}, {"status": "x"}):
        response = await client.get(url, params=bad, headers=alice)
        assert response.status_code == 422, bad


async def test_csv_export_then_import_round_trips(client, auth, lab, session):
    alice = await auth("alice")
    exported = await client.get(f"/api/v1/sites/{lab.site.slug}/resources/export", headers=alice)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.splitlines()
    assert lines[0] == "name,type,parent,description,location,status,attributes"
    assert "server-1,server,rack-a,,,active," in lines
    renamed = exported.text.replace("rack-a", "rack-z").replace("server-", "node-")
    imported = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resources/import",
        content=renamed.encode(),
        headers={**alice, "content-type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["created"] == 3
    rack_z = next(r for r in imported.json()["items"] if r["name"] == "rack-z")
    nodes = [r for r in imported.json()["items"] if r["name"].startswith("node-")]
    assert {n["parent_id"] for n in nodes} == {rack_z["id"]}


async def test_csv_import_is_all_or_nothing_with_errors_per_line(client, auth, lab, session):
    alice = await auth("alice")
    csv_text = (
        "name,type,parent,attributes,status\n"
        "ok-1,server,rack-a,,active\n"
        "bad-type,printer,,,\n"
        "bad-json,server,,{oops,\n"
        "ok-2,server,nowhere,,\n"
        "rack-a,server,,,\n"
        "bad-status,server,,,broken\n"
    )
    before = (await session.execute(select(func.count()).select_from(Resource))).scalar_one()
    response = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resources/import",
        content=csv_text.encode(),
        headers={**alice, "content-type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    errors = {tuple(e["loc"][2:]) for e in response.json()["errors"]}
    assert (6, "status") in errors or (7, "status") in errors
    lines = {loc[0] for loc in errors}
    assert lines == {3, 4, 5, 6, 7}
    after = (await session.execute(select(func.count()).select_from(Resource))).scalar_one()
    assert after == before


async def test_csv_import_refuses_a_bad_header_and_cycles(client, auth, lab):
    alice = {**(await auth("alice")), "content-type": "text/csv"}
    url = f"/api/v1/sites/{lab.site.slug}/resources/import"
    header = await client.post(url, content=b"title,kind\nx,y\n", headers=alice)
    assert header.status_code == 422
    cycle = await client.post(
        url, content=b"name,type,parent\na,server,b\nb,server,a\n", headers=alice
    )
    assert cycle.status_code == 422
    assert "cycle" in cycle.text
    binary = await client.post(url, content=b"\xff\xfe\x00", headers=alice)
    assert binary.status_code == 422
    member = await client.post(
        url,
        content=b"name,type\nq,server\n",
        headers={**(await auth("bob")), "content-type": "text/csv"},
    )
    assert member.status_code == 403
