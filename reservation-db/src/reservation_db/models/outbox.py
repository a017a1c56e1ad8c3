from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, created_at_column


class OutboxMessage(Base):
    """An event committed with the change it announces, waiting for the relay."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_unpublished",
            "created_at",
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = created_at_column()
    published_at: Mapped[datetime | None]
    # W3C trace context of the change that wrote the event (tracing on), for the relay.
    trace_context: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
