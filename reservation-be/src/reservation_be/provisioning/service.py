"""Integrations report how provisioning goes; the owner sees it at once.

The state, the owner's notification, the audit entry and the
``reservation.provisioning_changed`` event are written in the request's one transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from reservation_common.events import Cause, EventType, ReservationEventData, make_event
from reservation_db.models import Site
from reservation_db.models.reservation import Reservation, ReservationStatus
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.fairuse import rules as fairuse
from reservation_be.kit import audit, outbox
from reservation_be.kit.errors import Conflict, NotFound
from reservation_be.kit.notifications import notify, reservation_params
from reservation_be.mail import queue as mail_queue
from reservation_be.mail.context import reservation_context
from reservation_be.mail.kinds import MailKind
from reservation_be.policy import SiteContext
from reservation_be.provisioning import repository
from reservation_be.provisioning.schemas import ProvisioningReport, ReportedState
from reservation_be.reservations import repository as reservations_repository
from reservation_be.reservations import service as reservations_service
from reservation_be.reservations.schemas import ReservationRead
from reservation_be.reservations.service import event_data, to_read
from reservation_be.reservations.transitions import transition

S = ReservationStatus
# Once a reservation is over, an integration can only say it released (or failed to).
_AFTER_END = {ReportedState.RELEASED, ReportedState.FAILED}
_NOT_PROVISIONED = {S.PENDING.value, S.REJECTED.value}

_MESSAGES = {
    ReportedState.IN_PROGRESS: "Provisioning of {title!r} is in progress",
    ReportedState.READY: "{title!r} is ready",
    ReportedState.FAILED: "Provisioning of {title!r} failed",
    ReportedState.RELEASED: "{title!r} was released",
}

_MAILS = {
    ReportedState.READY: MailKind.PROVISIONING_READY,
    ReportedState.FAILED: MailKind.PROVISIONING_FAILED,
}


class ReservationNotFound(NotFound):
    slug, title = "reservation-not-found", "Reservation not found"


class ProvisioningNotAccepted(Conflict):
    slug, title = "provisioning-not-accepted", "The reservation does not take this report"


async def _bound_reservation(
    session: AsyncSession, actor: Actor, reservation_id: uuid.UUID, *, for_update: bool
) -> Reservation:
    """The reservation, when ``actor`` is the service account of an integration bound to it.

    A client not bound to it gets the answer an unknown id gets (404), read before the row is
    even locked: any client can hold a service-account token, and none may learn which
    reservation ids exist.
    """
    policy.require_service_account(actor)
    bound = await repository.bound_client_ids(session, reservation_id)
    reservation = None
    if policy.is_provisioning_reporter(actor, bound):
        if for_update:
            reservation = await reservations_repository.get_for_update(session, reservation_id)
        else:
            reservation = await reservations_repository.get(session, reservation_id)
    if reservation is None:
        raise ReservationNotFound(f"No reservation {reservation_id}.")
    return reservation


async def current(
    session: AsyncSession, actor: Actor, reservation_id: uuid.UUID
) -> ReservationEventData:
    """The reservation as it is now, in the shape events carry it.

    An integration reads it before acting on an event: an event may arrive late (after the
    reservation was cancelled, or moved to another resource), and the current state decides.
    """
    reservation = await _bound_reservation(session, actor, reservation_id, for_update=False)
    site = await session.get(Site, reservation.site_id)
    assert site is not None
    return await event_data(
        session, reservation, ctx=SiteContext(actor=actor, site=site, role=None)
    )


async def _record_check_in(
    session: AsyncSession, actor: Actor, reservation: Reservation, before: ReservationRead
) -> None:
    await audit.record(
        session, actor, reservation.site_id, "reservation", reservation.id, "checked_in",
        before=before, after=to_read(reservation),
    )  # fmt: skip


async def report(
    session: AsyncSession, actor: Actor, reservation_id: uuid.UUID, body: ProvisioningReport
) -> Reservation:
    """Record what the integration bound to the reservation reports: its provisioning state,
    a failure (the reservation fails), and with ``checked_in`` the owner's check-in."""
    reservation = await _bound_reservation(session, actor, reservation_id, for_update=True)
    if reservation.status in _NOT_PROVISIONED:
        raise ProvisioningNotAccepted(f"A {reservation.status} reservation is not provisioned.")
    live = reservation.status in (S.CONFIRMED.value, S.ACTIVE.value)
    if not live and body.state not in _AFTER_END:
        raise ProvisioningNotAccepted(
            f"The reservation is {reservation.status}: only released or failed can be reported."
        )
    now = datetime.now(UTC)
    if body.checked_in:
        # The integration serving the booking saw the owner use it: their check-in.
        fairuse.check_in_window(reservation, now=now)
    checks_in = body.checked_in and reservation.checked_in_at is None
    unchanged = (
        reservation.provisioning_state == body.state.value
        and (reservation.provisioning_message or "") == body.message
        and reservation.provisioning_details == body.details
    )
    if unchanged and checks_in:
        before = to_read(reservation)
        reservation.checked_in_at = now
        await session.flush()
        await _record_check_in(session, actor, reservation, before)
        return reservation
    if unchanged:  # a retried report: nothing new to announce
        return reservation
    before = to_read(reservation)
    if checks_in:
        reservation.checked_in_at = now
    reservation.provisioning_state = body.state.value
    reservation.provisioning_message = body.message or None
    reservation.provisioning_details = body.details
    reservation.provisioning_updated_at = now
    # A live booking whose provisioning failed is failed: the type says whether its period is
    # freed at once or kept (for investigation) until the end.
    failed = live and body.state is ReportedState.FAILED
    if failed:
        transition(reservation, S.FAILED)
        reservation.status_reason = body.message or "provisioning failed"
    await session.flush()
    if failed:
        rtype = await reservations_service._type_of(session, reservation.resource_id)
        if fairuse.failure_releases_slots(rtype):
            await reservations_repository.delete_slots(session, reservation.id)
    await session.refresh(reservation)
    after = to_read(reservation)
    await audit.record(
        session, actor, reservation.site_id, "reservation", reservation.id,
        "provisioning_changed", before=before, after=after,
    )  # fmt: skip
    if checks_in:
        await _record_check_in(session, actor, reservation, before)
    site = await session.get(Site, reservation.site_id)
    assert site is not None
    data = await event_data(
        session, reservation, ctx=SiteContext(actor=actor, site=site, role=None)
    )
    await outbox.enqueue(session, make_event(EventType.RESERVATION_PROVISIONING_CHANGED, data))
    if failed:
        # The reservation.failed event and the owner's notification, with the message.
        await reservations_service._announce(
            session, actor, SiteContext(actor=actor, site=site, role=None), reservation,
            EventType.RESERVATION_FAILED, before=before, previous_status=before.status.value,
            cause=Cause.PROVISIONING_FAILED, detail=body.message or None,
        )  # fmt: skip
        return reservation
    text = _MESSAGES[body.state].format(title=reservation.title)
    note = await notify(
        session,
        reservation.owner_id,
        EventType.RESERVATION_PROVISIONING_CHANGED.value,
        f"{text}: {body.message}" if body.message else f"{text}.",
        [{"rel": "reservation", "href": f"/api/v1/reservations/{reservation.id}"}],
        params=reservation_params(
            reservation, data.resource.name, state=body.state.value, detail=body.message or None
        ),
    )
    kind = _MAILS.get(body.state)
    if kind is not None:
        await mail_queue.enqueue(
            session,
            [mail_queue.Recipient(reservation.owner_id, kind, note.id)],
            reservation_context(data, description=reservation.description),
        )
    return reservation
