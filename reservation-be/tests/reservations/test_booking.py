from __future__ import annotations

import pytest

from tests.reservations.factories import booking, hours_from_now, make_lab


@pytest.fixture
async def lab(session, people):
    return await make_lab(session, people)


async def test_member_books_a_free_resource(client, auth, lab):
    start, end = hours_from_now(0), hours_from_now(2)
    response = await client.post(
        "/api/v1/reservations", json=booking(lab.server1, start, end), headers=await auth("bob")
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "confirmed"
    assert response.headers["ETag"] == '"1"'
