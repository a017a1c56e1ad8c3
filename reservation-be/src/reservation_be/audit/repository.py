from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from reservation_db.models import AuditLogEntry
from sqlalchemy import Select, select

from reservation_be import policy
from reservation_be.auth.actor import Actor


def entries(
    actor: Actor,
    *,
    site_id: uuid.UUID | None,
    entity: str | None,
    entity_id: str | None,
    actor_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Select[Any]:
    stmt = select(AuditLogEntry)
    if site_id is not None:
        stmt = stmt.where(AuditLogEntry.site_id == site_id)
    elif not actor.is_platform_admin:
        stmt = stmt.where(AuditLogEntry.site_id.in_(policy.administered_site_ids(actor)))
    if entity is not None:
        stmt = stmt.where(AuditLogEntry.entity == entity)
    if entity_id is not None:
        stmt = stmt.where(AuditLogEntry.entity_id == entity_id)
    if actor_id is not None:
        stmt = stmt.where(AuditLogEntry.actor_id == actor_id)
    if since is not None:
        stmt = stmt.where(AuditLogEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(AuditLogEntry.created_at < until)
    return stmt.order_by(AuditLogEntry.created_at.desc(), AuditLogEntry.id.desc())
