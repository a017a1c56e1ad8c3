"""Every query on opening hours."""

from __future__ import annotations

import uuid

from reservation_db.models import OpeningHours, Resource
from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession


async def for_resource(
    session: AsyncSession, *, site_id: uuid.UUID, type_id: uuid.UUID, resource_id: uuid.UUID
) -> list[OpeningHours]:
    """The schedules that may apply to a resource: its own, its type's and its site's."""
    rows = await session.execute(
        select(OpeningHours).where(
            OpeningHours.site_id == site_id,
            or_(
                OpeningHours.resource_id == resource_id,
                OpeningHours.resource_type_id == type_id,
                and_(OpeningHours.resource_id.is_(None), OpeningHours.resource_type_id.is_(None)),
            ),
        )
    )
    return list(rows.scalars().all())


async def for_type(
    session: AsyncSession, *, site_id: uuid.UUID, type_id: uuid.UUID
) -> list[OpeningHours]:
    """The schedules that may apply to any resource of a type: the site's, the type's, and
    those of its resources."""
    of_its_resources = select(Resource.id).where(
        Resource.site_id == site_id, Resource.type_id == type_id
    )
    rows = await session.execute(
        select(OpeningHours).where(
            OpeningHours.site_id == site_id,
            or_(
                OpeningHours.resource_type_id == type_id,
                OpeningHours.resource_id.in_(of_its_resources),
                and_(OpeningHours.resource_id.is_(None), OpeningHours.resource_type_id.is_(None)),
            ),
        )
    )
    return list(rows.scalars().all())


async def list_site(session: AsyncSession, site_id: uuid.UUID) -> list[OpeningHours]:
    rows = await session.execute(
        select(OpeningHours)
        .where(OpeningHours.site_id == site_id)
        .order_by(
            OpeningHours.resource_id.is_not(None),
            OpeningHours.resource_type_id.is_not(None),
            OpeningHours.created_at,
        )
    )
    return list(rows.scalars().all())


async def get_scope(
    session: AsyncSession,
    site_id: uuid.UUID,
    resource_type_id: uuid.UUID | None,
    resource_id: uuid.UUID | None,
) -> OpeningHours | None:
    rows = await session.execute(
        select(OpeningHours)
        .where(
            OpeningHours.site_id == site_id,
            OpeningHours.resource_type_id.is_(None)
            if resource_type_id is None
            else OpeningHours.resource_type_id == resource_type_id,
            OpeningHours.resource_id.is_(None)
            if resource_id is None
            else OpeningHours.resource_id == resource_id,
        )
        .with_for_update()
    )
    return rows.scalars().first()
