"""A type's parameter schema is written by a site admin and run on every booking: it must not
be able to stall the API (docs/security.md, "Booking rules cannot be bent")."""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.reservations.factories import booking, hours_from_now

EVIL = "^(a+)+$"


@contextmanager
def hard_limit(seconds: int) -> Iterator[None]:
    """Turn a request that would run for hours (the defect) into a failure instead of a hang."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


async def write_type(client, alice, lab, parameters):
    return await client.post(
        f"/api/v1/sites/{lab.site.slug}/resource-types",
        json={"name": f"typed-{uuid.uuid4().hex[:6]}", "parameters": parameters},
        headers=alice,
    )


async def typed_resource(client, alice, lab, parameters):
    created = await write_type(client, alice, lab, parameters)
    assert created.status_code == 201, created.text
    resource = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resources",
        json={"name": f"res-{uuid.uuid4().hex[:6]}", "type_id": created.json()["id"]},
        headers=alice,
    )
    assert resource.status_code == 201, resource.text
    return resource.json()["id"]


async def book(client, headers, resource_id, parameters, hours=0):
    body = booking(None, hours_from_now(hours), hours_from_now(hours + 1), parameters=parameters)
    return await client.post(
        "/api/v1/reservations", json={**body, "resource_id": resource_id}, headers=headers
    )


async def test_patterns_re2_cannot_run_are_refused_when_the_type_is_written(client, auth, lab):
    alice = await auth("alice")
    for parameters, where in (
        (
            {"type": "object", "properties": {"v": {"type": "string", "pattern": r"^(a)\1$"}}},
            ["properties", "v", "pattern"],
        ),
        ({"type": "object", "patternProperties": {"(?=x)": {}}}, ["patternProperties"]),
    ):
        refused = await write_type(client, alice, lab, parameters)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["loc"][:2] == ["body", "parameters"]
        assert refused.json()["errors"][0]["loc"][2:] == where


async def test_a_catastrophic_pattern_answers_at_once(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    schema = {"type": "object", "properties": {"name": {"type": "string", "pattern": EVIL}}}
    resource_id = await typed_resource(client, alice, lab, schema)
    evil = "a" * 40 + "!"

    with hard_limit(30):
        refused = await book(client, bob, resource_id, {"name": evil})
        matching = await book(client, bob, resource_id, {"name": "a" * 40}, hours=2)

    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("invalid-parameters")
    assert refused.json()["errors"][0]["loc"] == ["body", "parameters", "name"]
    assert matching.status_code == 201, matching.text
    # The same pattern on property names (patternProperties, additionalProperties).
    schema = {"type": "object", "patternProperties": {EVIL: {}}, "additionalProperties": False}
    resource_id = await typed_resource(client, alice, lab, schema)
    with hard_limit(30):
        refused = await book(client, bob, resource_id, {evil: 1}, hours=4)
    assert refused.status_code == 422, refused.text


async def test_unique_items_over_many_objects_stops_at_the_budget(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    schema = {"type": "object", "properties": {"hosts": {"type": "array", "uniqueItems": True}}}
    resource_id = await typed_resource(client, alice, lab, schema)
    hosts = [{"h": i} for i in range(20_000)]  # every pair compared: hours before the fix
    with hard_limit(30):
        costly = await book(client, bob, resource_id, {"hosts": hosts})
        duplicated = await book(client, bob, resource_id, {"hosts": [{"h": 1}, {"h": 1.0}]})
        unique = await book(client, bob, resource_id, {"hosts": [{"h": 1}, {"h": True}]})
    assert costly.status_code == 422, costly.text[:300]
    assert costly.json()["errors"][0]["type"] == "budget"
    assert duplicated.status_code == 422
    assert duplicated.json()["errors"][0]["loc"] == ["body", "parameters", "hosts"]
    assert unique.status_code == 201, unique.text


def _fan_out(depth: int) -> dict:
    """Each level refers twice to the next: 2**depth evaluations for a small schema."""
    defs = {
        f"l{i}": {"anyOf": [{"$ref": f"#/$defs/l{i + 1}"}, {"$ref": f"#/$defs/l{i + 1}"}]}
        for i in range(depth)
    }
    defs[f"l{depth}"] = {"type": "string", "minLength": 100}
    return {"type": "object", "properties": {"x": {"$ref": "#/$defs/l0"}}, "$defs": defs}


async def test_an_exponential_schema_stops_at_the_budget(client, auth, lab):
    alice, bob = await auth("alice"), await auth("bob")
    resource_id = await typed_resource(client, alice, lab, _fan_out(40))
    with hard_limit(30):
        refused = await book(client, bob, resource_id, {"x": "short"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["type"].endswith("invalid-parameters")
    assert refused.json()["errors"][0]["type"] == "budget"


async def test_a_stored_schema_re2_cannot_run_refuses_bookings_with_a_422(
    client, auth, lab, session
):
    # A type written before patterns were checked.
    lab.rtype.parameters = {
        "type": "object",
        "properties": {"v": {"type": "string", "pattern": "^(?=a)a+$"}},
    }
    await session.commit()
    response = await book(client, await auth("bob"), str(lab.server1.id), {"v": "aaa"})
    assert response.status_code == 422, response.text
    assert "not supported" in response.json()["detail"]
