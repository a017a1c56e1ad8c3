"""What a booking's notifications keep besides their English sentence: the parts a client words
in the user's language."""

from __future__ import annotations

from datetime import datetime

from reservation_db.models import Notification
from sqlalchemy import insert

from tests.reservations.factories import booking, hours_from_now, make_type


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_a_booking_and_its_cancellation_notify_with_their_params(client, auth, lab):
    bob = await auth("bob")
    start, end = hours_from_now(1), hours_from_now(3)
    made = await client.post(
        "/api/v1/reservations", json=booking(lab.server1, start, end, title="Deploy"), headers=bob
    )
    assert made.status_code == 201, made.text
    cancelled = await client.post(f"/api/v1/reservations/{made.json()['id']}/cancel", headers=bob)
    assert cancelled.status_code == 200, cancelled.text

    listed = (await client.get("/api/v1/notifications", headers=bob)).json()["items"]
    by_kind = {n["kind"]: n for n in listed}
    created = by_kind["reservation.created"]
    assert created["message"] == "Reservation 'Deploy' on server-1 was created (confirmed)."
    params = created["params"]
    assert (params["title"], params["resource"], params["status"]) == (
        "Deploy",
        "server-1",
        "confirmed",
    )
    assert (_at(params["start"]), _at(params["end"])) == (start, end)
    assert by_kind["reservation.cancelled"]["params"]["status"] == "cancelled"
    assert by_kind["reservation.cancelled"]["params"]["title"] == "Deploy"


async def test_a_request_awaiting_approval_tells_the_site_admins_with_the_same_params(
    client, auth, session, lab
):
    approved_type = await make_type(session, lab.site, name="gated", requires_approval=True)
    lab.server2.type_id = approved_type.id
    await session.commit()
    made = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server2, hours_from_now(1), hours_from_now(2), title="Gate"),
        headers=await auth("bob"),
    )
    assert made.status_code == 201, made.text
    alice = (await client.get("/api/v1/notifications", headers=await auth("alice"))).json()
    [note] = alice["items"]
    assert note["params"]["title"] == "Gate" and note["params"]["status"] == "pending"
    assert note["params"]["resource"] == "server-2"


async def test_a_notification_written_before_params_were_kept_reads_with_empty_params(
    client, auth, session, people, lab
):
    # What the migration leaves on an older row: the column's default.
    await session.execute(
        insert(Notification).values(
            user_id=people["bob"], kind="reservation.created", message="old"
        )
    )
    await session.commit()
    [note] = (await client.get("/api/v1/notifications", headers=await auth("bob"))).json()["items"]
    assert (note["message"], note["params"]) == ("old", {})
