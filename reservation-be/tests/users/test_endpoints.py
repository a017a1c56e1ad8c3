from __future__ import annotations


async def test_me_creates_the_user_on_first_sight(client, auth, test_realm):
    response = await client.get("/api/v1/users/me", headers=await auth("alice"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["username"] == "alice"
    assert body["id"] == test_realm.user_id("alice")
    assert body["is_platform_admin"] is False
