"""Co-users of a reservation: who may add them, what they see, what they may do, the events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from reservation_be.reservations import repository as reservations_repository
from reservation_db.models import Notification, OutboxMessage, SshKey
from reservation_db.models.reservation import Reservation
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import Range

from tests.factories import add_member
from tests.reservations.factories import booking, hours_from_now

PROBLEM = "application/problem+json"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVr0VKVuj4zXyBu0lNLqc5zCDZF3s0cF0SpWbVcx8Ul"


async def _member(session, make_user, lab, *, email: str | None = None):
    name = f"dave-{uuid.uuid4().hex[:6]}"
    user_id, headers = await make_user(name, email=email)
    await add_member(session, lab.site, user_id, "member", username=name)
    if email is not None:
        from reservation_db.models import User

        user = await session.get(User, user_id)
        user.email = email
        await session.commit()
    return user_id, name, headers


async def _book(client, headers, lab, hours: float = 0):
    response = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(hours), hours_from_now(hours + 2)),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _events(session, reservation_id: str) -> list[dict]:
    rows = (
        (await session.execute(select(OutboxMessage).order_by(OutboxMessage.created_at)))
        .scalars()
        .all()
    )
    return [
        {"type": r.type, **r.payload}
        for r in rows
        if r.payload["data"].get("reservation", {}).get("id") == reservation_id
    ]


async def test_the_owner_shares_a_booking_by_username_and_the_event_carries_the_co_users_keys(
    client, auth, lab, session, make_user
):
    dave_id, dave, _ = await _member(session, make_user, lab)
    session.add(
        SshKey(user_id=dave_id, name="laptop", key_type="ssh-ed25519", public_key=KEY,
               fingerprint="SHA256:x")
    )  # fmt: skip
    await session.commit()
    bob = await auth("bob")
    created = await _book(client, bob, lab)
    response = await client.post(
        f"/api/v1/reservations/{created['id']}/co-users",
        json={"user": dave, "role": "attendee"},
        headers=bob,
    )
    assert response.status_code == 201, response.text
    assert response.json()["user_id"] == dave_id
    assert response.json()["role"] == "attendee"

    listed = await client.get(f"/api/v1/reservations/{created['id']}/co-users", headers=bob)
    assert [c["username"] for c in listed.json()] == [dave]
    after = await client.get(f"/api/v1/reservations/{created['id']}", headers=bob)
    assert after.json()["version"] == created["version"] + 1

    events = await _events(session, created["id"])
    assert [e["type"] for e in events] == ["reservation.created", "reservation.updated"]
    assert events[0]["data"]["co_users"] == []
    co_users = events[1]["data"]["co_users"]
    assert [(c["id"], c["role"], c["ssh_keys"]) for c in co_users] == [(dave_id, "attendee", [KEY])]
    told = (
        (await session.execute(select(Notification.user_id).where(
            Notification.kind == "reservation.updated")))
        .scalars()
        .all()
    )  # fmt: skip
    assert dave_id in told


async def test_a_co_user_is_found_by_e_mail_in_any_case(client, auth, lab, session, make_user):
    email = f"dave-{uuid.uuid4().hex[:6]}@example.test"
    dave_id, _, _ = await _member(session, make_user, lab, email=email)
    bob = await auth("bob")
    created = await _book(client, bob, lab)
    response = await client.post(
        f"/api/v1/reservations/{created['id']}/co-users",
        json={"user": email.upper(), "role": "co-manager"},
        headers=bob,
    )
    assert response.status_code == 201, response.text
    assert (response.json()["user_id"], response.json()["role"]) == (dave_id, "co-manager")
    again = await client.post(
        f"/api/v1/reservations/{created['id']}/co-users",
        json={"user": email, "role": "attendee"},
        headers=bob,
    )
    assert again.status_code == 200, again.text
    assert again.json()["role"] == "attendee"


async def test_bad_co_users_are_refused_with_a_problem_saying_which(client, auth, lab):
    bob = await auth("bob")
    created = await _book(client, bob, lab)
    url = f"/api/v1/reservations/{created['id']}/co-users"
    # carol is a member of another site only
    for who, kind in (("carol", "co-user-not-member"), ("nobody-here", "co-user-not-member"),
                      ("bob", "validation-error")):  # fmt: skip
        response = await client.post(url, json={"user": who}, headers=bob)
        assert response.status_code == 422, (who, response.text)
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["type"].endswith(kind)
        assert response.json()["errors"][0]["loc"] == ["body", "user"]
    bad_role = await client.post(url, json={"user": "alice", "role": "owner"}, headers=bob)
    assert bad_role.status_code == 422
    assert bad_role.json()["errors"][0]["loc"][-1] == "role"


async def test_only_the_owner_or_a_site_admin_shares_a_booking(
    client, auth, lab, session, make_user
):
    _, dave, dave_headers = await _member(session, make_user, lab)
    alice = await auth("alice")
    created = await _book(client, alice, lab)
    url = f"/api/v1/reservations/{created['id']}/co-users"
    refused = await client.post(url, json={"user": "bob"}, headers=dave_headers)
    assert refused.status_code == 403, refused.text
    by_admin = await client.post(url, json={"user": dave}, headers=alice)
    assert by_admin.status_code == 201
    # An attendee cannot add others either.
    assert (await client.post(url, json={"user": "bob"}, headers=dave_headers)).status_code == 403


async def test_co_users_see_the_booking_in_my_reservations(client, auth, lab, session, make_user):
    dave_id, dave, dave_headers = await _member(session, make_user, lab)
    bob = await auth("bob")
    shared = await _book(client, bob, lab)
    await _book(client, bob, lab, hours=3)  # not shared
    await client.post(
        f"/api/v1/reservations/{shared['id']}/co-users", json={"user": dave}, headers=bob
    )
    mine = await client.get("/api/v1/reservations?mine=true", headers=dave_headers)
    assert mine.status_code == 200
    assert [r["id"] for r in mine.json()["items"]] == [shared["id"]]
    assert mine.json()["items"][0]["owner_id"] != dave_id
    assert (
        len((await client.get("/api/v1/reservations?mine=true", headers=bob)).json()["items"]) == 2
    )


async def test_a_co_manager_extends_and_cancels_an_attendee_does_neither(
    client, auth, lab, session, make_user
):
    _, manager, manager_headers = await _member(session, make_user, lab)
    _, attendee, attendee_headers = await _member(session, make_user, lab)
    bob = await auth("bob")
    created = await _book(client, bob, lab)
    url = f"/api/v1/reservations/{created['id']}"
    for who, role in ((manager, "co-manager"), (attendee, "attendee")):
        added = await client.post(f"{url}/co-users", json={"user": who, "role": role}, headers=bob)
        assert added.status_code == 201
    later = (hours_from_now(3)).isoformat()
    current = await client.get(url, headers=bob)
    etag = current.headers["ETag"]

    no = await client.patch(
        url, json={"end": later}, headers={**attendee_headers, "If-Match": etag}
    )
    assert no.status_code == 403, no.text
    no = await client.post(f"{url}/cancel", headers=attendee_headers)
    assert no.status_code == 403, no.text
    # A co-manager moves the end later, nothing else.
    title = await client.patch(
        url, json={"title": "mine now"}, headers={**manager_headers, "If-Match": etag}
    )
    assert title.status_code == 403, title.text
    earlier = await client.patch(
        url,
        json={"end": hours_from_now(1).isoformat()},
        headers={**manager_headers, "If-Match": etag},
    )
    assert earlier.status_code == 403, earlier.text
    extended = await client.patch(
        url, json={"end": later}, headers={**manager_headers, "If-Match": etag}
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["end"] == later.replace("+00:00", "Z")
    cancelled = await client.post(f"{url}/cancel", headers=manager_headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"


async def test_removing_a_co_user_of_an_active_booking_emits_an_update_without_them(
    client, auth, lab, session, make_user, people
):
    dave_id, dave, _ = await _member(session, make_user, lab)
    now = datetime.now(UTC).replace(microsecond=0)
    reservation = Reservation(
        id=uuid.uuid4(), site_id=lab.site.id, resource_id=lab.server1.id, owner_id=people["bob"],
        created_by=people["bob"], title="running", status="active",
        period=Range(now - timedelta(minutes=30), now + timedelta(hours=1), bounds="[)"),
    )  # fmt: skip
    session.add(reservation)
    await session.flush()
    await reservations_repository.insert_slots(
        session, reservation_id=reservation.id, resource_id=lab.server1.id,
        period=reservation.period,
    )  # fmt: skip
    await session.commit()
    bob = await auth("bob")
    url = f"/api/v1/reservations/{reservation.id}/co-users"
    assert (await client.post(url, json={"user": dave}, headers=bob)).status_code == 201
    removed = await client.delete(f"{url}/{dave_id}", headers=bob)
    assert removed.status_code == 204, removed.text
    events = await _events(session, str(reservation.id))
    assert [e["type"] for e in events] == ["reservation.updated", "reservation.updated"]
    assert [c["id"] for c in events[0]["data"]["co_users"]] == [dave_id]
    assert events[1]["data"]["co_users"] == []
    assert events[1]["data"]["reservation"]["status"] == "active"
    told = (
        (await session.execute(select(Notification.message).where(Notification.user_id == dave_id)))
        .scalars()
        .all()
    )
    assert any("no longer shares" in m for m in told)
    assert (await client.get(url, headers=bob)).json() == []
    again = await client.delete(f"{url}/{dave_id}", headers=bob)
    assert again.status_code == 404
    assert again.json()["type"].endswith("co-user-not-found")


async def test_a_co_user_may_leave_a_booking(client, auth, lab, session, make_user):
    dave_id, dave, dave_headers = await _member(session, make_user, lab)
    bob = await auth("bob")
    created = await _book(client, bob, lab)
    url = f"/api/v1/reservations/{created['id']}/co-users"
    await client.post(url, json={"user": dave}, headers=bob)
    # A member who is not the co-user cannot remove them.
    _, _, eve_headers = await _member(session, make_user, lab)
    assert (await client.delete(f"{url}/{dave_id}", headers=eve_headers)).status_code == 403
    left = await client.delete(f"{url}/{dave_id}", headers=dave_headers)
    assert left.status_code == 204, left.text


async def test_a_finished_booking_cannot_be_shared(client, auth, lab, session, make_user):
    _, dave, _ = await _member(session, make_user, lab)
    bob = await auth("bob")
    created = await _book(client, bob, lab)
    await client.post(f"/api/v1/reservations/{created['id']}/cancel", headers=bob)
    response = await client.post(
        f"/api/v1/reservations/{created['id']}/co-users", json={"user": dave}, headers=bob
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("reservation-not-editable")
