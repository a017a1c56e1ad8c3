"""Every query on resource types."""

from __future__ import annotations

import uuid

from reservation_db.models.resource_type import ResourceType
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession


async def get(session: AsyncSession, type_id: uuid.UUID) -> ResourceType | None:
    return await session.get(ResourceType, type_id)


def list_statement(site_id: uuid.UUID, *, q: str | None = None) -> Select[ResourceType]:
    stmt = select(ResourceType).where(ResourceType.site_id == site_id)
    if q:
        stmt = stmt.where(ResourceType.name.icontains(q, autoescape=True))
    return stmt.order_by(ResourceType.name, ResourceType.id)
