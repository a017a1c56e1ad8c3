from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from reservation_common.events import ReservationEventData
from reservation_db.models.reservation import ProvisioningState

from reservation_be.auth import ActorDep
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import problem_responses
from reservation_be.provisioning import service
from reservation_be.provisioning.schemas import ProvisioningRead, ProvisioningReport
from reservation_be.reservations.schemas import Provisioning

router = APIRouter(tags=["provisioning"])


@router.get(
    "/reservations/{reservation_id}/provisioning",
    response_model=ReservationEventData,
    responses=problem_responses(401, 403, 404),
)
async def read_for_integration(
    reservation_id: uuid.UUID, session: SessionDep, actor: ActorDep
) -> ReservationEventData:
    """The reservation as it is now, in the shape of an event's ``data``, for an integration.

    Same access as the report below: only a client-credentials token of an integration bound to
    the reservation. Integrations read it before acting on an event, since an event may arrive
    after the reservation was cancelled or moved to another resource.
    """
    return await service.current(session, actor, reservation_id)


@router.post(
    "/reservations/{reservation_id}/provisioning",
    response_model=ProvisioningRead,
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def report_provisioning(
    reservation_id: uuid.UUID,
    body: ProvisioningReport,
    session: SessionDep,
    actor: ActorDep,
    request: Request,
) -> ProvisioningRead:
    """An integration reports provisioning progress of a reservation.

    Only with a client-credentials token of the ``integration_client_id`` of a subscription that
    received an event of this reservation. The owner is notified and
    ``reservation.provisioning_changed`` is emitted.
    """
    reservation = await service.report(session, actor, reservation_id, body)
    request.app.state.metrics.provisioning_reports.labels(state=str(body.state)).inc()
    return ProvisioningRead(
        reservation_id=reservation.id,
        provisioning=Provisioning(
            state=ProvisioningState(reservation.provisioning_state),
            message=reservation.provisioning_message,
            details=reservation.provisioning_details,
            updated_at=reservation.provisioning_updated_at,
        ),
        version=reservation.version,
    )
