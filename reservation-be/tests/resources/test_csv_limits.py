"""CSV import and the depth of the hierarchy: any file gets a 4xx naming the line, never a 500,
and no resource is placed deeper than bookings can see (docs/architecture.md)."""

from __future__ import annotations

import json

from reservation_be.resources.repository import MAX_DEPTH
from reservation_db.models.resource import Resource
from sqlalchemy import func, select

from tests.reservations.factories import booking, hours_from_now


def chain_child_first(levels: int, prefix: str = "r") -> str:
    """``{prefix}0`` the root, each next one under the previous, listed deepest first."""
    rows = ["name,type,parent"]
    for i in reversed(range(levels)):
        rows.append(f"{prefix}{i},server,{f'{prefix}{i - 1}' if i else ''}")
    return "\n".join(rows) + "\n"


async def import_csv(client, headers, lab, text):
    return await client.post(
        f"/api/v1/sites/{lab.site.slug}/resources/import",
        content=text.encode(),
        headers={**headers, "content-type": "text/csv"},
    )


async def ids_by_name(session, *names):
    rows = await session.execute(select(Resource.name, Resource.id).where(Resource.name.in_(names)))
    return {name: str(rid) for name, rid in rows}


async def test_a_1200_deep_chain_listed_child_first_is_refused_naming_each_line(
    client, auth, lab, session
):
    depth = 1200
    response = await import_csv(client, await auth("alice"), lab, chain_child_first(depth))

    assert response.status_code == 422, response.text[:500]
    problem = response.json()
    assert problem["type"].endswith("csv-import-error")
    # r{i} is on line 2 + (depth - 1 - i); r0..r{MAX_DEPTH} fit.
    too_deep = sorted(2 + depth - 1 - i for i in range(MAX_DEPTH + 1, depth))
    assert [e["loc"] for e in problem["errors"]] == [
        ["body", "line", n, "parent"] for n in too_deep
    ]
    assert problem["errors"][0]["msg"] == f"more than {MAX_DEPTH} levels deep"
    count = (await session.execute(select(func.count()).select_from(Resource))).scalar_one()
    assert count == 3  # the lab's own


async def test_a_1200_long_cycle_is_refused_naming_a_line(client, auth, lab):
    rows = ["name,type,parent", *(f"c{i},server,c{(i + 1) % 1200}" for i in range(1200))]
    response = await import_csv(client, await auth("alice"), lab, "\n".join(rows) + "\n")
    assert response.status_code == 422, response.text[:500]
    errors = response.json()["errors"]
    assert errors[0]["loc"][:2] == ["body", "line"]
    assert any("cycle" in e["msg"] for e in errors)


async def test_the_deepest_allowed_chain_is_booked_whole_and_nothing_goes_deeper(
    client, auth, lab, session
):
    alice = await auth("alice")
    imported = await import_csv(client, alice, lab, chain_child_first(MAX_DEPTH + 1))
    assert imported.status_code == 201, imported.text[:500]
    ids = await ids_by_name(session, "r0", f"r{MAX_DEPTH - 1}", f"r{MAX_DEPTH}")
    start, end = hours_from_now(0), hours_from_now(1)
    root = await client.post(
        "/api/v1/reservations", json={**booking(None, start, end), "resource_id": ids["r0"]},
        headers=alice,
    )  # fmt: skip
    assert root.status_code == 201, root.text
    deepest = await client.post(
        "/api/v1/reservations",
        json={**booking(None, start, end), "resource_id": ids[f"r{MAX_DEPTH}"]},
        headers=alice,
    )
    assert deepest.status_code == 409, deepest.text

    resources = f"/api/v1/sites/{lab.site.slug}/resources"
    type_id = str(lab.rtype.id)
    below = await client.post(
        resources,
        json={"name": "below", "type_id": type_id, "parent_id": ids[f"r{MAX_DEPTH}"]},
        headers=alice,
    )
    assert below.status_code == 422, below.text
    assert below.json()["type"].endswith("hierarchy-too-deep")
    top = await client.post(resources, json={"name": "top", "type_id": type_id}, headers=alice)
    leaf = await client.post(
        resources,
        json={"name": "leaf", "type_id": type_id, "parent_id": top.json()["id"]},
        headers=alice,
    )
    assert leaf.status_code == 201
    moved = await client.patch(
        f"/api/v1/resources/{top.json()['id']}",
        json={"parent_id": ids[f"r{MAX_DEPTH - 1}"]},
        headers={**alice, "If-Match": '"1"'},
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["type"].endswith("hierarchy-too-deep")
    # Under the existing chain from a file: the line that would go too deep is named.
    more = await import_csv(client, alice, lab, f"name,type,parent\nx1,server,r{MAX_DEPTH}\n")
    assert more.status_code == 422
    assert more.json()["errors"][0]["loc"][:3] == ["body", "line", 2]


async def test_text_postgresql_cannot_store_is_refused_on_its_line(client, auth, lab, session):
    alice = await auth("alice")
    text = (
        "name,type,parent,attributes\n"
        "fine,server,,\n"
        'surrogate,server,,"{""a"": ""\\ud800""}"\n'
        'nul-key,server,,"{""\\u0000"": 1}"\n'
        'infinite,server,,"{""a"": 1e999999}"\n'
        "nul\x00name,server,,\n"
        "nul-parent,server,x\x00,\n"
        f"deep,server,,{'[' * 100_000}\n"
    )
    response = await import_csv(client, alice, lab, text)

    assert response.status_code == 422, response.text[:500]
    assert [(e["loc"][2:], e["msg"]) for e in response.json()["errors"]] == [
        ([3, "attributes"], "must not contain unpaired UTF-16 surrogates"),
        ([4, "attributes"], "must not contain NUL (\\u0000)"),
        ([5, "attributes"], "numbers must be finite"),
        ([6, "name"], "must not contain NUL (\\u0000)"),
        ([7, "parent"], "must not contain NUL (\\u0000)"),
        ([8, "attributes"], "nested too deeply"),
    ]
    count = (await session.execute(select(func.count()).select_from(Resource))).scalar_one()
    assert count == 3


async def test_a_malformed_file_names_the_line(client, auth, lab):
    huge = "x" * 200_000  # over the csv module's field limit
    text = f"name,type\nfine,server\n{huge},server\n"
    response = await import_csv(client, await auth("alice"), lab, text)
    assert response.status_code == 422, response.text[:500]
    assert response.json()["errors"][0]["loc"] == ["body", "line", 3]


async def test_a_title_with_a_lone_surrogate_is_a_422(client, auth, lab):
    bob = await auth("bob")
    body = booking(lab.server1, hours_from_now(0), hours_from_now(1))
    # json= would refuse to encode it; the escape is what a client sends.
    raw = json.dumps({**body, "title": "@"}).replace('"@"', '"\\ud800"').encode()
    created = await client.post(
        "/api/v1/reservations", content=raw, headers={**bob, "content-type": "application/json"}
    )
    assert created.status_code == 422, created.text
    assert created.json()["errors"][0]["loc"] == ["body", "title"]
    ok = await client.post("/api/v1/reservations", json=body, headers=bob)
    patched = await client.patch(
        f"/api/v1/reservations/{ok.json()['id']}",
        content=b'{"title": "x\\udfff"}',
        headers={**bob, "content-type": "application/json", "If-Match": '"1"'},
    )
    assert patched.status_code == 422, patched.text
