from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base, created_at_column, uuid_pk


class AuditLogEntry(Base):
    """Who changed what, written in the transaction of the change.

    No foreign keys: the log outlives the sites, users and entities it mentions.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_site_created", "site_id", text("created_at DESC")),
        Index("ix_audit_log_entity", "entity", "entity_id"),
        Index("ix_audit_log_actor_created", "actor_id", text("created_at DESC")),
        Index("ix_audit_log_created", text("created_at DESC")),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    created_at: Mapped[datetime] = created_at_column()
    actor_id: Mapped[str | None] = mapped_column(String(255))
    actor_username: Mapped[str | None] = mapped_column(String(255))
    site_id: Mapped[uuid.UUID | None]
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    request_id: Mapped[str | None] = mapped_column(String(128))
