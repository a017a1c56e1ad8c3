"""The audit log, written in the transaction of the change it records."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel
from reservation_db.models import AuditLogEntry
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.auth.actor import Actor
from reservation_be.kit.request_context import current_request_id

Snapshot = dict[str, Any] | BaseModel | None


def _snapshot(value: Snapshot) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def entry(
    actor: Actor | None,
    site_id: uuid.UUID | None,
    entity: str,
    entity_id: str | uuid.UUID,
    action: str,
    before: Snapshot = None,
    after: Snapshot = None,
    request_id: str | None = None,
) -> dict[str, Any]:
    """The column values of one entry; ``actor`` is None for the system (scheduler, relay)."""
    return {
        "actor_id": actor.user_id if actor else None,
        "actor_username": actor.username if actor else None,
        "site_id": site_id,
        "entity": entity,
        "entity_id": str(entity_id),
        "action": action,
        "before": _snapshot(before),
        "after": _snapshot(after),
        "request_id": request_id if request_id is not None else current_request_id(),
    }


async def record_many(session: AsyncSession, entries: Sequence[dict[str, Any]]) -> None:
    """Append many entries (from :func:`entry`) in one INSERT."""
    if entries:
        await session.execute(insert(AuditLogEntry), list(entries))


async def record(
    session: AsyncSession,
    actor: Actor | None,
    site_id: uuid.UUID | None,
    entity: str,
    entity_id: str | uuid.UUID,
    action: str,
    before: Snapshot = None,
    after: Snapshot = None,
    request_id: str | None = None,
) -> AuditLogEntry:
    """Append one entry; ``actor`` is None for the system (scheduler, relay)."""
    row = AuditLogEntry(
        **entry(actor, site_id, entity, entity_id, action, before, after, request_id)
    )
    session.add(row)
    await session.flush()
    return row
