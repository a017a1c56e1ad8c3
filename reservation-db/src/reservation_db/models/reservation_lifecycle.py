from __future__ import annotations

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

from reservation_db.models.base import Base

# The lifecycle scheduler's ledger: the last lifecycle event emitted for each reservation
# (``stage`` 1 starting, 2 started, 3 ending soon, 4 ended). Created by migration 0004_lifecycle.
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
