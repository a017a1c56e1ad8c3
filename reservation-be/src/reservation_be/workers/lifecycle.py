"""The scheduler's ledger: the last lifecycle event emitted for each reservation."""

from __future__ import annotations

from enum import IntEnum

from reservation_common.events import EventType
from sqlalchemy import (
    UUID,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    Table,
    func,
    text,
)

from reservation_be.models import Base


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
