"""Platform-wide booking limits (settings) for resource types that set none themselves."""

from __future__ import annotations

from datetime import timedelta

import httpx
from reservation_be.main import close_app, create_app
from reservation_be.reservations.rules import DEFAULT_LIMITS
from reservation_be.settings import Settings

from tests.reservations.factories import booking, hours_from_now


async def _book(client, headers, resource, start, end):  # type: ignore[no-untyped-def]
    return await client.post(
        "/api/v1/reservations", json=booking(resource, start, end), headers=headers
    )


async def test_a_type_without_limits_gets_the_platform_defaults(client, auth, lab):
    assert lab.rtype.max_duration is None and lab.rtype.booking_horizon is None
    bob = await auth("bob")
    start = hours_from_now(0)
    too_long = await _book(
        client, bob, lab.server1, start, start + DEFAULT_LIMITS.max_duration + timedelta(hours=1)
    )
    assert too_long.status_code == 422, too_long.text
    assert [e["type"] for e in too_long.json()["errors"]] == ["max_duration"]
    far = start + DEFAULT_LIMITS.booking_horizon + timedelta(days=2)
    too_far = await _book(client, bob, lab.server1, far, far + timedelta(hours=1))
    assert too_far.status_code == 422, too_far.text
    assert [e["type"] for e in too_far.json()["errors"]] == ["booking_horizon"]
    year_8999 = await client.post(
        "/api/v1/reservations",
        json={**booking(lab.server1, start, start), "end": "8999-01-01T00:00:00Z"},
        headers=bob,
    )
    assert year_8999.status_code == 422


async def test_operators_set_the_defaults_and_a_type_overrides_them(settings, auth, lab, session):
    strict = Settings(
        **{
            **settings.model_dump(),
            "default_max_duration": timedelta(hours=2),
            "default_booking_horizon": timedelta(days=3),
        }
    )
    app = create_app(strict)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            bob = await auth("bob")
            start = hours_from_now(0)
            refused = await _book(client, bob, lab.server1, start, start + timedelta(hours=3))
            assert refused.status_code == 422
            assert refused.json()["errors"][0]["msg"] == "the booking may last at most 2 hours"
            far = hours_from_now(24 * 4)
            assert (await _book(client, bob, lab.server1, far, far + timedelta(hours=1))).json()[
                "errors"
            ][0]["type"] == "booking_horizon"
            # The type's own limits win over the platform's, larger ones too.
            lab.rtype.max_duration = timedelta(hours=5)
            lab.rtype.booking_horizon = timedelta(days=10)
            await session.commit()
            longer = await _book(client, bob, lab.server1, start, start + timedelta(hours=3))
            assert longer.status_code == 201, longer.text
            later = await _book(client, bob, lab.server2, far, far + timedelta(hours=1))
            assert later.status_code == 201, later.text
    finally:
        await close_app(app)


def test_the_defaults_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("RESERVATION_BE_DEFAULT_MAX_DURATION", "7d")
    monkeypatch.setenv("RESERVATION_BE_DEFAULT_BOOKING_HORIZON", "P30D")
    limits = Settings().booking_limits
    assert limits.max_duration == timedelta(days=7)
    assert limits.booking_horizon == timedelta(days=30)
