"""Member groups and their quotas: a group's total binds its members together, ``each`` binds
every member on their own; both enforced in the booking transaction, race-free."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid

import pytest
from reservation_be.auth.actor import Actor
from reservation_be.fairuse import rules
from reservation_be.fairuse.rules import QuotaExceeded
from reservation_be.reservations import booking as booking_service
from reservation_be.reservations.schemas import ReservationCreate
from sqlalchemy import text

from tests.factories import add_member
from tests.fairuse.factories import PROBLEM
from tests.reservations.factories import booking, hours_from_now, make_resource


async def _member(session, lab, test_realm, name: str) -> str:
    try:
        user_id = test_realm.user_id(name)
    except KeyError:
        user_id = test_realm.create_user(name)
    await add_member(session, lab.site, user_id, username=name, commit=False)
    await session.commit()
    return user_id


@pytest.fixture
async def team(session, lab, test_realm, people) -> dict[str, str]:
    """bob, dora and eve are members of the lab's site; frank too, in no group."""
    ids = {"bob": people["bob"], "alice": people["alice"]}
    for name in ("dora", "eve", "frank"):
        ids[name] = await _member(session, lab, test_realm, name)
    return ids


async def _group(client, auth, lab, name, members):
    response = await client.post(
        f"/api/v1/sites/{lab.site.id}/member-groups",
        json={"name": name, "members": members},
        headers=await auth("alice"),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _quota(client, auth, lab, **body):
    response = await client.post(
        f"/api/v1/sites/{lab.site.id}/quotas", json=body, headers=await auth("alice")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _book(client, headers, resource, start, end):
    return await client.post(
        "/api/v1/reservations", json=booking(resource, start, end), headers=headers
    )


async def _servers(session, lab, n):
    found = [await make_resource(session, lab.site, lab.rtype, name=f"gpu-{i}") for i in range(n)]
    await session.commit()
    return found


async def test_site_admins_manage_groups_and_their_members(client, auth, lab, team):
    group = await _group(client, auth, lab, "vision lab", [team["bob"], team["dora"]])
    assert sorted(group["members"]) == sorted([team["bob"], team["dora"]])
    alice = await auth("alice")
    listed = await client.get(f"/api/v1/sites/{lab.site.id}/member-groups", headers=alice)
    assert [g["name"] for g in listed.json()] == ["vision lab"]
    changed = await client.put(
        f"/api/v1/member-groups/{group['id']}/members",
        json={"members": [team["eve"]]},
        headers=alice,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["members"] == [team["eve"]]
    # A member in several groups.
    await _group(client, auth, lab, "course", [team["eve"], team["bob"]])
    quota = await _quota(client, auth, lab, group_id=group["id"], group_scope="total", max_future=3)
    deleted = await client.delete(f"/api/v1/member-groups/{group['id']}", headers=alice)
    assert deleted.status_code == 204
    gone = await client.get(f"/api/v1/member-groups/{group['id']}", headers=alice)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == PROBLEM
    quotas = await client.get(f"/api/v1/sites/{lab.site.id}/quotas", headers=alice)
    assert quota["id"] not in [q["id"] for q in quotas.json()], "its quotas go with the group"


async def test_bad_groups_and_group_quotas_are_4xx_saying_why(client, auth, lab, team, people):
    alice = await auth("alice")
    url = f"/api/v1/sites/{lab.site.id}/member-groups"
    # carol is not a member of this site; bob twice.
    bad = await client.post(
        url, json={"name": "x", "members": [team["bob"], people["carol"], team["bob"]]},
        headers=alice,
    )  # fmt: skip
    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"] == PROBLEM
    assert [(e["loc"], e["type"]) for e in bad.json()["errors"]] == [
        (["body", "members", 1], "member"),
        (["body", "members", 2], "repeated"),
    ]
    group = await _group(client, auth, lab, "lab", [team["bob"]])
    taken = await client.post(url, json={"name": "lab"}, headers=alice)
    assert taken.status_code == 409
    assert taken.json()["type"].endswith("member-group-exists")
    quotas = f"/api/v1/sites/{lab.site.id}/quotas"
    unknown = await client.post(
        quotas, json={"group_id": str(uuid.uuid4()), "group_scope": "total", "max_future": 1},
        headers=alice,
    )  # fmt: skip
    assert unknown.status_code == 422, unknown.text
    assert unknown.json()["errors"][0]["loc"] == ["body", "group_id"]
    both = await client.post(
        quotas, json={"group_id": group["id"], "group_scope": "each", "user_id": team["bob"],
                      "max_future": 1},
        headers=alice,
    )  # fmt: skip
    assert both.status_code == 422
    assert "not both" in both.text
    no_scope = await client.post(
        quotas, json={"group_id": group["id"], "max_future": 1}, headers=alice
    )
    assert no_scope.status_code == 422
    assert "group_scope" in no_scope.text
    # Each member may hold more than the whole group together: contradicts the total.
    await _quota(client, auth, lab, group_id=group["id"], group_scope="total", max_concurrent=2)
    looser = await client.post(
        quotas, json={"group_id": group["id"], "group_scope": "each", "max_concurrent": 3},
        headers=alice,
    )  # fmt: skip
    assert looser.status_code == 422, looser.text
    assert looser.json()["type"].endswith("quota-contradiction")
    assert looser.json()["errors"][0]["loc"] == ["body", "max_concurrent"]
    # A group of another site is unknown here.
    other = await client.post(
        f"/api/v1/sites/{lab.other_site.id}/member-groups",
        json={"name": "theirs"},
        headers=await auth("carol"),
    )
    assert other.status_code == 201, other.text
    foreign = await client.post(
        quotas, json={"group_id": other.json()["id"], "group_scope": "total", "max_future": 1},
        headers=alice,
    )  # fmt: skip
    assert foreign.status_code == 422
    # Members neither read nor change groups.
    bob = await auth("bob")
    assert (await client.get(url, headers=bob)).status_code == 403
    put = await client.put(
        f"/api/v1/member-groups/{group['id']}/members", json={"members": []}, headers=bob
    )
    assert put.status_code == 403
    outsider = await client.get(f"/api/v1/member-groups/{group['id']}", headers=await auth("carol"))
    assert outsider.status_code == 404


async def test_a_group_total_binds_its_members_together_naming_the_group(
    client, auth, lab, team, session
):
    servers = await _servers(session, lab, 4)
    group = await _group(client, auth, lab, "vision lab", [team["bob"], team["dora"]])
    quota = await _quota(
        client, auth, lab, group_id=group["id"], group_scope="total", max_concurrent=2
    )
    start, end = hours_from_now(0), hours_from_now(2)
    assert (await _book(client, await auth("bob"), servers[0], start, end)).status_code == 201
    assert (await _book(client, await auth("dora"), servers[1], start, end)).status_code == 201
    refused = await _book(client, await auth("bob"), servers[2], start, end)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    assert problem["type"].endswith("quota-exceeded")
    assert problem["quota"] == {
        "id": quota["id"],
        "limit_name": "max_concurrent",
        "group_id": group["id"],
        "group_name": "vision lab",
        "group_scope": "total",
    }
    assert (problem["usage"], problem["limit"], problem["unit"]) == (3, 2, "reservations")
    assert "vision lab" in problem["detail"]
    # Someone outside the group is not counted with it.
    assert (await _book(client, await auth("frank"), servers[2], start, end)).status_code == 201
    # Later, the group has room again.
    later = await _book(
        client, await auth("dora"), servers[3], hours_from_now(2), hours_from_now(3)
    )
    assert later.status_code == 201, later.text
    # The members see the group's usage against its total.
    usage = await client.get("/api/v1/me/usage", headers=await auth("dora"))
    (site,) = [s for s in usage.json()["sites"] if s["site_id"] == str(lab.site.id)]
    (item,) = [q for q in site["quotas"] if q["quota"]["id"] == quota["id"]]
    assert item["group_name"] == "vision lab"
    assert item["usage"]["future"] == 3


async def test_each_applies_to_every_member_of_the_group_instead_of_the_site_quota(
    client, auth, lab, team, session
):
    servers = await _servers(session, lab, 4)
    await _quota(client, auth, lab, max_concurrent=3)
    students = await _group(client, auth, lab, "students", [team["bob"], team["dora"]])
    await _quota(client, auth, lab, group_id=students["id"], group_scope="each", max_concurrent=1)
    start, end = hours_from_now(0), hours_from_now(2)
    for who in ("bob", "dora"):
        assert (await _book(client, await auth(who), servers[0 if who == "bob" else 1], start,
                            end)).status_code == 201  # fmt: skip
    second = await _book(client, await auth("bob"), servers[2], start, end)
    assert second.status_code == 409
    assert second.json()["quota"]["group_scope"] == "each"
    # frank is in no group: the site's quota (3) binds him.
    frank = await auth("frank")
    for server in servers[:3]:
        r = await _book(client, frank, server, hours_from_now(5), hours_from_now(6))
        assert r.status_code == 201, r.text
    # A member's own quota replaces the group's each.
    await _quota(client, auth, lab, user_id=team["bob"], max_concurrent=2)
    again = await _book(client, await auth("bob"), servers[2], start, end)
    assert again.status_code == 201, again.text


async def test_a_member_in_two_groups_is_bound_by_the_strictest_each(
    client, auth, lab, team, session
):
    servers = await _servers(session, lab, 3)
    wide = await _group(client, auth, lab, "staff", [team["eve"]])
    narrow = await _group(client, auth, lab, "interns", [team["eve"]])
    await _quota(client, auth, lab, group_id=wide["id"], group_scope="each", max_concurrent=3)
    strict = await _quota(
        client, auth, lab, group_id=narrow["id"], group_scope="each", max_concurrent=1
    )
    eve = await auth("eve")
    start, end = hours_from_now(0), hours_from_now(2)
    assert (await _book(client, eve, servers[0], start, end)).status_code == 201
    refused = await _book(client, eve, servers[1], start, end)
    assert refused.status_code == 409
    assert refused.json()["quota"]["id"] == strict["id"]


async def test_a_group_total_counts_a_move_and_an_extension(client, auth, lab, team, session):
    servers = await _servers(session, lab, 2)
    group = await _group(client, auth, lab, "pair", [team["bob"], team["dora"]])
    await _quota(
        client, auth, lab, group_id=group["id"], group_scope="total",
        max_booked="PT4H", booked_window="day",
    )  # fmt: skip
    first = await _book(client, await auth("bob"), servers[0], hours_from_now(0), hours_from_now(2))
    assert first.status_code == 201
    dora = await auth("dora")
    second = await _book(client, dora, servers[1], hours_from_now(3), hours_from_now(5))
    assert second.status_code == 201
    longer = await client.patch(
        f"/api/v1/reservations/{second.json()['id']}",
        json={"end": hours_from_now(6).isoformat()},
        headers={**dora, "If-Match": second.headers["etag"]},
    )
    assert longer.status_code == 409, longer.text
    assert longer.json()["quota"]["group_scope"] == "total"
    assert longer.json()["usage"] == 5


# --- race-free -------------------------------------------------------------------------------


async def _interleaved(app, lab, first_owner: str, second_owner: str) -> asyncio.Task[None]:
    """The first member's booking written but not committed; the second member's started.
    Returns the second's task after the first committed."""
    sm = app.state.sessionmaker
    start, end = hours_from_now(0), hours_from_now(2)
    async with sm() as first:
        await booking_service.create(
            first,
            Actor(user_id=first_owner, username="first"),
            ReservationCreate(**booking(lab.server1, start, end)),
        )

        async def second() -> None:
            async with sm() as other:
                await booking_service.create(
                    other,
                    Actor(user_id=second_owner, username="second"),
                    ReservationCreate(**booking(lab.server2, start, end)),
                )
                await other.commit()

        task = asyncio.create_task(second())
        done, _ = await asyncio.wait({task}, timeout=1.0)
        waited = not done
        await first.commit()
    task.waited = waited  # type: ignore[attr-defined]
    return task


async def test_two_members_of_one_group_wait_on_the_group_lock_and_the_second_counts_the_first(
    app, client, auth, lab, team
):
    group = await _group(client, auth, lab, "pair", [team["bob"], team["dora"]])
    await _quota(client, auth, lab, group_id=group["id"], group_scope="total", max_concurrent=1)
    task = await _interleaved(app, lab, team["bob"], team["dora"])
    assert task.waited, "dora's booking counted while bob's was still open"  # type: ignore[attr-defined]
    with pytest.raises(QuotaExceeded):
        await asyncio.wait_for(task, 10)


async def test_without_the_group_key_two_members_both_squeeze_under_the_total(
    app, client, auth, lab, team, session, monkeypatch
):
    """The control of the test above: with only the per-member key (the lock before groups),
    the second count does not see the first booking and both pass the limit of 1."""
    group = await _group(client, auth, lab, "pair", [team["bob"], team["dora"]])
    await _quota(client, auth, lab, group_id=group["id"], group_scope="total", max_concurrent=1)
    monkeypatch.setattr(
        rules, "lock_keys", lambda site_id, owner_id, pooled: [f"{site_id}/{owner_id}"]
    )
    task = await _interleaved(app, lab, team["bob"], team["dora"])
    assert not task.waited  # type: ignore[attr-defined]
    await asyncio.wait_for(task, 10)
    count = await session.execute(text("SELECT count(*) FROM reservations"))
    assert count.scalar_one() == 2, "both squeezed under a total of 1"


async def test_the_site_usage_report_shows_each_group_together_and_each_members_groups(
    client, auth, lab, team, session
):
    servers = await _servers(session, lab, 2)
    await _group(client, auth, lab, "vision lab", [team["bob"], team["dora"]])
    for who, server in (("bob", servers[0]), ("dora", servers[1])):
        made = await _book(client, await auth(who), server, hours_from_now(1), hours_from_now(3))
        assert made.status_code == 201, made.text
    report = await client.get(f"/api/v1/sites/{lab.site.id}/usage", headers=await auth("alice"))
    assert report.status_code == 200, report.text
    (group,) = report.json()["groups"]
    assert (group["name"], group["members"], group["future"]) == ("vision lab", 2, 2)
    assert group["booked_next_30_days"] == "PT4H"
    rows = {m["username"]: m for m in report.json()["members"]}
    assert (rows["dora"]["groups"], rows["frank"]["groups"]) == (["vision lab"], [])
    exported = await client.get(
        f"/api/v1/sites/{lab.site.id}/usage/export", headers=await auth("alice")
    )
    table = {r["username"]: r for r in csv.DictReader(io.StringIO(exported.text))}
    assert table["bob"]["groups"] == "vision lab"
