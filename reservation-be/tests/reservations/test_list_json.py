"""The list's items are written by PostgreSQL (``repository.as_item_json``); they must read
exactly as the API's models write a reservation: same fields in the same order, timestamps as
``UTCDatetime`` writes them (``Z``, microseconds only when there are some), ``extended_by`` as
``format_duration`` writes it, JSON values as stored."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from reservation_be.kit.types import format_duration
from reservation_be.reservations import service
from reservation_be.reservations.repository import _duration
from reservation_be.reservations.schemas import EmbeddedResource, ReservationListItem
from reservation_db.models.reservation import Reservation
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from sqlalchemy import select, text, update

from tests.reservations.factories import booking, hours_from_now, iso

# extended_by values the formatter writes in each of its forms.
DURATIONS = [
    timedelta(0),
    timedelta(days=2),
    timedelta(hours=36),
    timedelta(hours=26, minutes=30),
    timedelta(minutes=90),
    timedelta(seconds=1, microseconds=500_000),
    timedelta(microseconds=1),
    timedelta(days=1, seconds=10),
]


async def test_the_items_read_as_the_models_write_them(client, auth, lab, session):
    bob = await auth("bob")
    base = hours_from_now(2).replace(microsecond=0)
    created = []
    for k, extended in enumerate(DURATIONS):
        start = base + timedelta(hours=2 * k, microseconds=123_456 if k % 2 else 0)
        response = await client.post(
            "/api/v1/reservations",
            json=booking(
                lab.server1,
                start,
                start + timedelta(hours=1),
                title=f'Ünïcode "quoted" \\ tab\t{k}',
                description="line one\nline two <b>&</b> ✓",
            ),
            headers=bob,
        )
        assert response.status_code == 201, response.text
        created.append(uuid.UUID(response.json()["id"]))
        await session.execute(
            update(Reservation)
            .where(Reservation.id == created[-1])
            .values(
                # Written here: the type's schema takes no parameters.
                parameters={"vlan": k, "nested": {"z": [1, 2.5, None, True]}, "a": "é"},
                extended_by=extended,
                checked_in_at=(start + timedelta(microseconds=7)) if k % 3 == 0 else None,
                provisioning_details={"host": f"h{k}", "ports": [k]} if k % 2 else {},
                provisioning_message="ready ✓" if k % 2 else None,
                provisioning_updated_at=(
                    datetime(2030, 1, 2, 3, 4, 5, 600, tzinfo=UTC) if k % 2 else None
                ),
            )
        )
    await session.commit()

    rows = (
        await session.execute(
            select(*Reservation.__table__.columns)
            .where(Reservation.id.in_(created))
            .order_by(Reservation.period)
        )
    ).all()
    resource = (
        await session.execute(
            select(Resource, ResourceType).join(ResourceType).where(Resource.id == lab.server1.id)
        )
    ).one()
    embedded = EmbeddedResource(
        id=resource[0].id,
        name=resource[0].name,
        location=resource[0].location,
        type_id=resource[0].type_id,
        type_name=resource[1].name,
        color=resource[1].color,
    )
    params = {
        "resource_id": str(lab.server1.id),
        "start": iso(base - timedelta(hours=1)),
        "end": iso(base + timedelta(hours=2 * len(DURATIONS) + 1)),
        "size": 100,
    }
    for embed in (False, True):
        response = await client.get(
            "/api/v1/reservations",
            params={**params, **({"embed": "resource"} if embed else {})},
            headers=bob,
        )
        assert response.status_code == 200, response.text
        expected = [
            json.loads(
                ReservationListItem(
                    **service.read_fields(row), resource=embedded if embed else None
                ).model_dump_json(by_alias=True)
            )
            for row in rows
        ]
        items = response.json()["items"]
        assert items == expected
        # Not only equal values: the same keys in the same order, the same timestamp texts.
        assert [list(i) for i in items] == [list(e) for e in expected]
        assert [i["extended_by"] for i in items] == [format_duration(d) for d in DURATIONS]
    # The forms that differ: a whole second has no fraction, a microsecond has six digits.
    texts = {i["start"] for i in items}
    assert any(t.endswith(":00Z") for t in texts)
    assert any(t.endswith(".123456Z") for t in texts)
    assert response.json()["meta"] == {"page": 1, "size": 100, "total": len(DURATIONS), "pages": 1}


@pytest.mark.parametrize("extended", [*DURATIONS, timedelta(seconds=-90), timedelta(days=-2)])
async def test_a_duration_in_sql_reads_as_format_duration_writes_it(session, extended):
    # The expression as the list uses it, over a bound interval.
    query = text(f"SELECT {_duration('CAST(:d AS interval)')}")
    assert (await session.execute(query, {"d": extended})).scalar_one() == format_duration(extended)
