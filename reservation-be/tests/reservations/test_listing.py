"""Listing and reading reservations: overlap semantics, filters, visibility."""

from __future__ import annotations

from tests.reservations.factories import booking, hours_from_now, iso


async def book(client, headers, resource, start, end, **extra):
    response = await client.post(
        "/api/v1/reservations", json=booking(resource, start, end, **extra), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_period_filter_returns_everything_overlapping_not_only_what_starts_in_it(
    client, auth, lab
):
    bob = await auth("bob")
    long = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(10))
    inside = await book(client, bob, lab.server2, hours_from_now(4), hours_from_now(5))
    ends_at = await book(client, bob, lab.server2, hours_from_now(1), hours_from_now(3))
    starts_at = await book(client, bob, lab.server2, hours_from_now(6), hours_from_now(7))
    response = await client.get(
        "/api/v1/reservations",
        params={"start": iso(hours_from_now(3)), "end": iso(hours_from_now(6))},
        headers=bob,
    )
    assert response.status_code == 200, response.text
    ids = {r["id"] for r in response.json()["items"]}
    assert ids == {long["id"], inside["id"]}  # half-open: touching ones are out
    assert ends_at["id"] not in ids and starts_at["id"] not in ids


async def test_filters_by_resource_subtree_site_status_and_mine(client, auth, lab, people):
    bob, alice = await auth("bob"), await auth("alice")
    mine = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    hers = await book(client, alice, lab.server2, hours_from_now(0), hours_from_now(1))

    async def ids(params, headers=bob):
        response = await client.get("/api/v1/reservations", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["items"]]

    assert await ids({"mine": "true"}) == [mine["id"]]
    assert set(await ids({"site": lab.site.slug})) == {mine["id"], hers["id"]}
    assert await ids({"resource_id": str(lab.server2.id)}) == [hers["id"]]
    assert await ids({"resource_id": str(lab.rack.id)}) == []
    assert set(await ids({"resource_id": str(lab.rack.id), "include_subtree": "true"})) == {
        mine["id"],
        hers["id"],
    }
    assert await ids({"owner_id": people["alice"]}) == [hers["id"]]
    assert await ids({"status": "pending"}) == []
    page = await client.get("/api/v1/reservations", params={"size": 1}, headers=bob)
    assert page.json()["meta"] == {"page": 1, "size": 1, "total": 2, "pages": 2}
    # The total rides on the page's rows; a page past the end still reports it.
    last = await client.get("/api/v1/reservations", params={"size": 1, "page": 2}, headers=bob)
    assert last.json()["meta"] == {"page": 2, "size": 1, "total": 2, "pages": 2}
    assert len(last.json()["items"]) == 1
    past = await client.get("/api/v1/reservations", params={"size": 1, "page": 5}, headers=bob)
    assert past.json() == {"items": [], "meta": {"page": 5, "size": 1, "total": 2, "pages": 2}}
    empty = await client.get(
        "/api/v1/reservations", params={"status": "pending", "page": 3}, headers=bob
    )
    assert empty.json()["meta"]["total"] == 0


async def test_other_sites_users_cannot_see_or_touch_reservations(client, auth, lab):
    bob, carol = await auth("bob"), await auth("carol")
    r = await book(client, bob, lab.server1, hours_from_now(0), hours_from_now(1))
    url = f"/api/v1/reservations/{r['id']}"
    assert (await client.get(url, headers=carol)).status_code == 404
    assert (await client.post(f"{url}/cancel", headers=carol)).status_code == 404
    listed = await client.get("/api/v1/reservations", headers=carol)
    assert listed.json()["items"] == []
    by_site = await client.get(
        "/api/v1/reservations", params={"site": lab.site.slug}, headers=carol
    )
    assert by_site.status_code == 403
    assert (await client.get(url, headers=await auth("alice"))).status_code == 200
    assert (await client.get(url, headers=await auth("admin"))).status_code == 200


async def test_a_member_may_read_but_not_change_anothers_reservation(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    r = await book(client, alice, lab.server1, hours_from_now(0), hours_from_now(1))
    url = f"/api/v1/reservations/{r['id']}"
    assert (await client.get(url, headers=bob)).status_code == 200
    change = await client.patch(url, json={"title": "mine"}, headers={**bob, "If-Match": '"1"'})
    assert change.status_code == 403
    assert (await client.post(f"{url}/cancel", headers=bob)).status_code == 403


async def test_busy_shows_holds_from_above_and_below(client, auth, lab):
    bob, carol = await auth("bob"), await auth("carol")
    on_rack = await book(client, bob, lab.rack, hours_from_now(0), hours_from_now(1))
    on_child = await book(client, bob, lab.server1, hours_from_now(2), hours_from_now(3))
    window = {"start": iso(hours_from_now(-1)), "end": iso(hours_from_now(24))}
    rack = await client.get(f"/api/v1/resources/{lab.rack.id}/busy", params=window, headers=bob)
    assert [b["reservation_id"] for b in rack.json()] == [on_rack["id"], on_child["id"]]
    server2 = await client.get(
        f"/api/v1/resources/{lab.server2.id}/busy", params=window, headers=bob
    )
    assert [b["reservation_id"] for b in server2.json()] == [on_rack["id"]]
    # A public site's availability is visible to outsiders, without the reservation ids.
    outsider = await client.get(
        f"/api/v1/resources/{lab.rack.id}/busy", params=window, headers=carol
    )
    assert outsider.status_code == 200
    assert [b["reservation_id"] for b in outsider.json()] == [None, None]
    bad = await client.get(
        f"/api/v1/resources/{lab.rack.id}/busy",
        params={"start": window["end"], "end": window["start"]},
        headers=bob,
    )
    assert bad.status_code == 422
    for extreme in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        for url in (f"/api/v1/resources/{lab.rack.id}/busy", "/api/v1/reservations"):
            response = await client.get(
                url, params={"start": extreme, "end": window["end"]}, headers=bob
            )
            assert response.status_code == 422, response.text


async def test_embed_resource_adds_each_rows_resource_in_one_statement(client, auth, lab, engine):
    from tests.workers.test_batch import statements

    bob = await auth("bob")
    for n, resource in enumerate((lab.server1, lab.server2, lab.rack)):
        await book(client, bob, resource, hours_from_now(n * 2), hours_from_now(n * 2 + 1))
    plain = await client.get("/api/v1/reservations", params={"mine": True}, headers=bob)
    assert all(item["resource"] is None for item in plain.json()["items"])

    with statements(engine) as seen:
        response = await client.get(
            "/api/v1/reservations", params={"mine": True, "embed": "resource"}, headers=bob
        )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["resource"]["name"] for i in items] == ["server-1", "server-2", "rack-a"]
    assert {i["resource"]["type_name"] for i in items} == {lab.rtype.name}
    assert all(i["resource"]["id"] == i["resource_id"] for i in items)
    assert sum("FROM resources" in s for s in seen) == 1  # the whole page, not one per row


async def test_an_unknown_embed_is_refused(client, auth, lab):
    response = await client.get(
        "/api/v1/reservations", params={"embed": "owner"}, headers=await auth("bob")
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
