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
from reservation_db.models.reservation import Reservation
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.co_users import repository as co_users_repository
from reservation_be.kit.request_context import current_request_id
from reservation_be.reservations.service import reservation_data
from reservation_be.workers import repository


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
        for start_id, ancestor_id, name in await repository.ancestors(session, resource_ids):
            paths[start_id].append(AncestorRef(id=ancestor_id, name=name))
        sites: dict[uuid.UUID, SiteRef] = {}
        resources: dict[uuid.UUID, ResourceData] = {}
        rows = await repository.resources(session, resource_ids)
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
            user_id: OwnerData(id=user_id, username=username, email=email, ssh_keys=keys)
            for user_id, username, email, keys in await repository.owners(
                session, list({r.owner_id for r in reservations})
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
