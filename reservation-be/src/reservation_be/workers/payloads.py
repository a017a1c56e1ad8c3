"""Event payloads for a batch of reservations, from four reads for the whole batch.

The shape is the one :func:`reservation_be.reservations.service.event_data` gives the API's
events (a test holds the two equal); that one reads resource, type, path and owner per event,
which a scheduler emitting hundreds of events at a boundary cannot afford.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reservation_common.events import (
    AncestorRef,
    Cause,
    CoUserData,
    OwnerData,
    ReservationEventData,
    ResourceData,
    ResourceTypeRef,
    SiteRef,
)
from reservation_db.models import Site, SshKey, User
from reservation_db.models.reservation import Reservation
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from sqlalchemy import Integer, Select, String, any_, bindparam, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reservation_be.co_users import repository as co_users_repository
from reservation_be.kit.request_context import current_request_id
from reservation_be.reservations.service import reservation_data
from reservation_be.resources.repository import MAX_DEPTH


@dataclass(frozen=True, slots=True)
class Payloads:
    sites: dict[uuid.UUID, SiteRef]
    resources: dict[uuid.UUID, ResourceData]
    owners: dict[str, OwnerData]
    co_users: dict[uuid.UUID, list[CoUserData]]

    @classmethod
    async def load(cls, session: AsyncSession, reservations: Sequence[Reservation]) -> Payloads:
        resource_ids = list({r.resource_id for r in reservations})
        paths: dict[uuid.UUID, list[AncestorRef]] = defaultdict(list)
        for start_id, ancestor_id, name in await session.execute(_PATHS, {"ids": resource_ids}):
            paths[start_id].append(AncestorRef(id=ancestor_id, name=name))
        sites: dict[uuid.UUID, SiteRef] = {}
        resources: dict[uuid.UUID, ResourceData] = {}
        rows = await session.execute(_RESOURCES, {"ids": resource_ids})
        for resource, type_name, site_slug, site_name in rows:
            sites[resource.site_id] = SiteRef(id=resource.site_id, slug=site_slug, name=site_name)
            resources[resource.id] = ResourceData(
                id=resource.id,
                name=resource.name,
                status=resource.status,
                type=ResourceTypeRef(id=resource.type_id, name=type_name),
                attributes=resource.attributes,
                path=paths.get(resource.id, []),
            )
        owners = {
            user_id: OwnerData(id=user_id, username=username, email=email, ssh_keys=list(keys))
            for user_id, username, email, keys in await session.execute(
                _OWNERS, {"ids": list({r.owner_id for r in reservations})}
            )
        }
        co_users = await co_users_repository.event_co_users(session, [r.id for r in reservations])
        return cls(sites=sites, resources=resources, owners=owners, co_users=co_users)

    def data(
        self,
        reservation: Reservation,
        *,
        previous_status: str | None = None,
        due_at: datetime | None = None,
        lateness_seconds: float | None = None,
        cause: Cause | None = None,
    ) -> ReservationEventData:
        return ReservationEventData(
            reservation=reservation_data(reservation),
            resource=self.resources[reservation.resource_id],
            site=self.sites[reservation.site_id],
            owner=self.owners[reservation.owner_id],
            co_users=self.co_users.get(reservation.id, []),
            due_at=due_at,
            lateness_seconds=lateness_seconds,
            previous_status=previous_status,
            cause=cause,
            request_id=current_request_id(),
        )


# Built once (a recursive CTE costs milliseconds to build); each takes ``ids`` as an array.
_RESOURCE_IDS = bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))

_RESOURCES = (
    select(Resource, ResourceType.name, Site.slug, Site.name)
    .join(ResourceType, ResourceType.id == Resource.type_id)
    .join(Site, Site.id == Resource.site_id)
    .where(Resource.id == any_(_RESOURCE_IDS))
)

_OWNERS = (
    select(
        User.id,
        User.username,
        User.email,
        func.array_remove(
            func.array_agg(aggregate_order_by(SshKey.public_key, SshKey.created_at)), None
        ),
    )
    .outerjoin(SshKey, SshKey.user_id == User.id)
    .where(User.id == any_(bindparam("ids", type_=ARRAY(String))))
    .group_by(User.id)
)


def _paths_statement() -> Select[uuid.UUID, uuid.UUID, str]:
    """(resource, ancestor id, ancestor name) for every ancestor, root first per resource."""
    start = select(
        Resource.id.label("start_id"),
        Resource.parent_id.label("parent_id"),
        literal(0, Integer).label("depth"),
    ).where(Resource.id == any_(_RESOURCE_IDS))
    path = start.cte("path", recursive=True)
    parent = aliased(Resource, name="parent")
    path = path.union_all(
        select(path.c.start_id, parent.parent_id, path.c.depth + 1)
        .join(parent, parent.id == path.c.parent_id)
        .where(path.c.depth < MAX_DEPTH)
    )
    ancestor = aliased(Resource, name="ancestor")
    return (
        select(path.c.start_id, ancestor.id, ancestor.name)
        .join(ancestor, ancestor.id == path.c.parent_id)
        .order_by(path.c.start_id, path.c.depth.desc())
    )


_PATHS = _paths_statement()
