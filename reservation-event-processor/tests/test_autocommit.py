"""The hot statements sent straight to asyncpg (``_autocommit``) read and write what the same
repository functions do through an ORM session, and fail as SQLAlchemy errors
(``reservation_db.direct``)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from factories import create_site, create_subscription, reservation_event
from reservation_common.crypto import SecretBox
from reservation_db.repositories import webhook_deliveries
from reservation_event_processor._autocommit import autocommit
from reservation_event_processor.fanout import fan_out_many, parse_event
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SM = async_sessionmaker[AsyncSession]


async def test_a_claim_reads_the_same_delivery_as_through_a_session(sm: SM, box: SecretBox) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site, rate_limit_per_second=7)
    event, keys = parse_event(reservation_event(site).model_dump_json())
    async with autocommit(sm) as direct:
        created = await fan_out_many(direct, [(event, keys, {"traceparent": "00-" + "1" * 32})])
    assert created == {event.id: 1}

    async with sm() as session:
        [through_session] = await webhook_deliveries.claim_due(
            session, limit=5, lease=timedelta(seconds=30)
        )
        await session.rollback()  # the row stays due
    async with autocommit(sm) as direct:
        [claimed] = await webhook_deliveries.claim_due(
            direct, limit=5, lease=timedelta(seconds=30), skip_subscriptions=[]
        )
    assert dataclasses.replace(claimed, lease=through_session.lease) == through_session
    assert isinstance(claimed.payload, dict)
    assert claimed.payload["id"] == event.id
    assert claimed.trace_context == {"traceparent": "00-" + "1" * 32}
    assert claimed.rate_limit_per_second == 7
    assert len(claimed.encrypted_secrets) == 1
    async with autocommit(sm) as direct:  # leased now: nothing more to claim
        assert (
            await webhook_deliveries.claim_due(direct, limit=5, lease=timedelta(seconds=30)) == []
        )


async def test_a_broken_connection_is_dropped(sm: SM) -> None:
    """What a failure raises and when a connection is dropped: reservation-db's
    tests/test_direct.py; here, that the direct session hands its failures there."""
    with pytest.raises(SQLAlchemyError) as raised:
        async with autocommit(sm) as direct:
            await direct.execute(select(func.pg_terminate_backend(func.pg_backend_pid())), {})
    assert isinstance(raised.value, DBAPIError) and raised.value.connection_invalidated
    # The pool hands out working connections afterwards.
    for _ in range(6):
        async with autocommit(sm) as direct:
            assert [row[0] for row in await direct.execute(select(func.sqrt(9)), {})] == [3.0]
