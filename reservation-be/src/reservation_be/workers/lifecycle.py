"""The scheduler's ledger: the last lifecycle event emitted for each reservation."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from enum import IntEnum

from reservation_common.events import EventType
from reservation_db.models import Base
from sqlalchemy import (
    UUID,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    Table,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert


class Stage(IntEnum):
    """Lifecycle events in the order they are emitted; each at most once per reservation."""

    NONE = 0
    STARTING = 1
    STARTED = 2
    ENDING_SOON = 3
    ENDED = 4

    @property
    def event_type(self) -> EventType:
        return _EVENTS[self]


_EVENTS = {
    Stage.STARTING: EventType.RESERVATION_STARTING,
    Stage.STARTED: EventType.RESERVATION_STARTED,
    Stage.ENDING_SOON: EventType.RESERVATION_ENDING_SOON,
    Stage.ENDED: EventType.RESERVATION_ENDED,
}

# Created by migration 0004_lifecycle.
reservation_lifecycle = Table(
    "reservation_lifecycle",
    Base.metadata,
    Column(
        "reservation_id",
        UUID(as_uuid=True),
        ForeignKey("reservations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("stage", SmallInteger, nullable=False),
    Column("updated_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    CheckConstraint("stage BETWEEN 0 AND 4", name="stage"),
    Index(
        "ix_reservation_lifecycle_open",
        "reservation_id",
        postgresql_where=text("stage BETWEEN 1 AND 3"),
    ),
)


async def record_stages(
    session: AsyncSession, stages: Sequence[tuple[uuid.UUID, Stage]]
) -> set[uuid.UUID]:
    """Move the ledger forward in one statement; returns the reservations it moved.

    A reservation missing from the result had the stage (or a later one) already: its row was
    selected on a stale view of the ledger (PostgreSQL rechecks a row locked after a concurrent
    commit against its new version, but not the rows joined to it), so its event is left out.
    """
    if not stages:
        return set()
    params = {"ids": [rid for rid, _ in stages], "stages": [int(stage) for _, stage in stages]}
    return set((await session.execute(_ADVANCE, params)).scalars().all())


def _advance_statement() -> ReturningInsert[uuid.UUID]:
    # Arrays, not a VALUES row each: one statement text (compiled once) for any batch size.
    rows = select(
        func.unnest(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))),
        func.unnest(bindparam("stages", type_=ARRAY(SmallInteger))),
    )
    stmt = insert(reservation_lifecycle).from_select(["reservation_id", "stage"], rows)
    return stmt.on_conflict_do_update(
        index_elements=[reservation_lifecycle.c.reservation_id],
        set_={"stage": stmt.excluded.stage, "updated_at": func.now()},
        where=reservation_lifecycle.c.stage < stmt.excluded.stage,
    ).returning(reservation_lifecycle.c.reservation_id)


_ADVANCE = _advance_statement()
