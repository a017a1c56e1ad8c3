from __future__ import annotations

from reservation_be.kit.notifications import notify

from tests import factories


async def _seed(session, people, n=3, user="bob"):
    await factories.ensure_user(session, people[user], user)
    ids = []
    for i in range(n):
        row = await notify(
            session, people[user], "test", f"message {i}", [{"rel": "x", "href": "/y"}]
        )
        ids.append(row.id)
    await session.commit()
    return ids


async def test_list_is_newest_first_with_unread_count(client, auth, session, people):
    await _seed(session, people)
    headers = await auth("bob")
    listed = (await client.get("/api/v1/notifications", headers=headers)).json()
    assert listed["meta"]["total"] == 3
    assert all(n["read"] is False for n in listed["items"])
    assert listed["items"][0]["links"] == [{"rel": "x", "href": "/y"}]
    count = (await client.get("/api/v1/notifications/unread-count", headers=headers)).json()
    assert count == {"unread": 3}


async def test_mark_one_then_all_read(client, auth, session, people):
    ids = await _seed(session, people)
    headers = await auth("bob")
    one = await client.post(f"/api/v1/notifications/{ids[0]}/read", headers=headers)
    assert one.status_code == 200
    assert one.json()["read"] is True and one.json()["read_at"].endswith("Z")
    assert (await client.get("/api/v1/notifications/unread-count", headers=headers)).json() == {
        "unread": 2
    }
    unread = (await client.get("/api/v1/notifications?unread=true", headers=headers)).json()
    assert ids[0] not in {n["id"] for n in unread["items"]}
    all_read = await client.post("/api/v1/notifications/read-all", headers=headers)
    assert all_read.json() == {"updated": 2}
    assert (await client.get("/api/v1/notifications/unread-count", headers=headers)).json() == {
        "unread": 0
    }


async def test_notifications_of_others_are_invisible(client, auth, session, people):
    ids = await _seed(session, people, n=1, user="bob")
    alice = await auth("alice")
    assert (await client.get("/api/v1/notifications", headers=alice)).json()["meta"]["total"] == 0
    assert (
        await client.post(f"/api/v1/notifications/{ids[0]}/read", headers=alice)
    ).status_code == 404
    assert (await client.post("/api/v1/notifications/read-all", headers=alice)).json() == {
        "updated": 0
    }
