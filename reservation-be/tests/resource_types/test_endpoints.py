from __future__ import annotations

from reservation_db.models import AuditLogEntry
from reservation_db.models.resource_type import ResourceType
from sqlalchemy import func, select

VLAN = {
    "type": "object",
    "properties": {"vlan_id": {"type": "integer", "minimum": 2, "maximum": 4094}},
    "required": ["vlan_id"],
}


async def test_site_admin_creates_reads_updates_and_deletes_a_type(client, auth, lab, session):
    alice = await auth("alice")
    created = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resource-types",
        json={
            "name": "switch",
            "color": "#112233",
            "parameters": VLAN,
            "lead_time": "PT15M",
            "teardown_grace": 600,
            "max_duration": "P7D",
            "booking_horizon": "P90D",
            "minimum_notice": 0,
            "requires_approval": True,
        },
        headers=alice,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["lead_time"] == "PT15M"
    assert body["teardown_grace"] == "PT10M"
    assert body["requires_approval"] is True
    url = f"/api/v1/resource-types/{body['id']}"
    assert (await client.get(url, headers=await auth("bob"))).json()["name"] == "switch"
    updated = await client.patch(
        url, json={"max_duration": None, "color": "#abcdef"}, headers=alice
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["max_duration"] is None
    listed = await client.get(f"/api/v1/sites/{lab.site.slug}/resource-types", headers=alice)
    assert [t["name"] for t in listed.json()["items"]] == ["server", "switch"]
    assert (await client.delete(url, headers=alice)).status_code == 204
    actions = (
        (
            await session.execute(
                select(AuditLogEntry.action).where(AuditLogEntry.entity == "resource_type")
            )
        )
        .scalars()
        .all()
    )
    assert sorted(actions) == ["created", "deleted", "updated"]


async def test_an_invalid_parameters_schema_is_refused(client, auth, lab, session):
    alice = await auth("alice")
    url = f"/api/v1/sites/{lab.site.slug}/resource-types"
    for schema in (
        {"type": "objekt"},
        {"type": "object", "properties": {"x": {"minimum": "two"}}},
        {"type": "string"},
    ):
        response = await client.post(url, json={"name": "bad", "parameters": schema}, headers=alice)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"][:2] == ["body", "parameters"]
    count = (await session.execute(select(func.count()).select_from(ResourceType))).scalar_one()
    assert count == 1  # only the lab's own type


async def test_bad_type_fields_are_refused(client, auth, lab):
    alice = await auth("alice")
    url = f"/api/v1/sites/{lab.site.slug}/resource-types"
    for body in (
        {"name": "x", "color": "red"},
        {"name": "x", "lead_time": -5},
        {"name": "x", "max_duration": 0},
        {"name": ""},
        {"name": "x", "surprise": True},
    ):
        response = await client.post(url, json=body, headers=alice)
        assert response.status_code == 422, (body, response.text)
    rid = (await client.get(url, headers=alice)).json()["items"][0]["id"]
    null_name = await client.patch(
        f"/api/v1/resource-types/{rid}", json={"name": None}, headers=alice
    )
    assert null_name.status_code == 422


async def test_duplicate_names_and_types_in_use_are_conflicts(client, auth, lab):
    alice = await auth("alice")
    url = f"/api/v1/sites/{lab.site.slug}/resource-types"
    dup = await client.post(url, json={"name": "server"}, headers=alice)
    assert dup.status_code == 409
    in_use = await client.delete(f"/api/v1/resource-types/{lab.rtype.id}", headers=alice)
    assert in_use.status_code == 409
    assert in_use.json()["type"].endswith("resource-type-in-use")


async def test_members_and_outsiders_cannot_write_types(client, auth, lab):
    url = f"/api/v1/sites/{lab.site.slug}/resource-types"
    bob = await client.post(url, json={"name": "x"}, headers=await auth("bob"))
    carol = await client.post(url, json={"name": "x"}, headers=await auth("carol"))
    anonymous = await client.post(url, json={"name": "x"})
    assert (bob.status_code, carol.status_code, anonymous.status_code) == (403, 403, 401)
    patch = await client.patch(
        f"/api/v1/resource-types/{lab.rtype.id}", json={"name": "y"}, headers=await auth("bob")
    )
    assert patch.status_code == 403
