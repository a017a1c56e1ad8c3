"""Co-users of a reservation: site members who share it with its owner.

An ``attendee`` sees the reservation among their own, is notified of it as the owner is, and
their SSH keys travel in its events next to the owner's (integrations grant them access). A
``co-manager`` may also extend and cancel it (``policy.CO_MANAGER_ACTIONS``). The owner or a
site admin adds and removes them; a co-user may remove themselves. Every change is a new
version of the reservation with a ``reservation.updated`` event carrying the new list, so an
integration revokes a removed co-user's access.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from reservation_common.events import EventType
from reservation_db.models import CoUserRole, Reservation, ReservationCoUser, User
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.co_users import repository
from reservation_be.co_users.schemas import CoUserAdd, CoUserRead
from reservation_be.kit import audit
from reservation_be.kit.errors import FieldError, NotFound, UnprocessableEntity
from reservation_be.kit.etag import check_if_match
from reservation_be.policy import Action
from reservation_be.reservations import service as reservations
from reservation_be.reservations.transitions import EDITABLE

ENTITY = "reservation_co_user"


class CoUserNotFound(NotFound):
    slug, title = "co-user-not-found", "Not a co-user of this reservation"


class NotASiteMember(UnprocessableEntity):
    slug, title = "co-user-not-member", "A co-user must be a member of the reservation's site"


def _read(row: ReservationCoUser, user: User) -> CoUserRead:
    return CoUserRead(
        user_id=user.id,
        username=user.username,
        email=user.email,
        role=CoUserRole(row.role),
        added_by=row.added_by,
        created_at=row.created_at,
    )


async def list_co_users(
    session: AsyncSession, actor: Actor, reservation_id: uuid.UUID
) -> list[CoUserRead]:
    reservation = await reservations.get(session, actor, reservation_id)
    return [_read(row, user) for row, user in await repository.list_rows(session, reservation.id)]


def _editable(reservation: Reservation) -> None:
    if reservation.status not in {s.value for s in EDITABLE}:
        raise reservations.ReservationNotEditable(
            f"A {reservation.status} reservation cannot be shared any more."
        )


async def add(
    session: AsyncSession,
    actor: Actor,
    reservation_id: uuid.UUID,
    body: CoUserAdd,
    *,
    if_match: str | None,
) -> tuple[CoUserRead, bool]:
    """Add a co-user, or change the role of one; (the co-user, whether they are new)."""
    reservation, ctx = await reservations._locked(
        session, actor, reservation_id, Action.RESERVATION_SHARE
    )
    check_if_match(if_match, reservation.version, required=False)
    _editable(reservation)
    user = await repository.find_site_member(session, reservation.site_id, body.user)
    if user is None:
        raise NotASiteMember(
            f"{body.user!r} is not a member of this reservation's site.",
            errors=[FieldError(loc=["body", "user"], msg="not a site member", type="member")],
        )
    if user.id == reservation.owner_id:
        raise UnprocessableEntity(
            f"{user.username} owns this reservation.",
            errors=[FieldError(loc=["body", "user"], msg="is the owner", type="owner")],
        )
    row = await repository.get(session, reservation.id, user.id)
    created = row is None
    if row is not None and row.role == body.role.value:
        return _read(row, user), False
    before = reservations.to_read(reservation)
    previous_role = row.role if row is not None else None
    if row is None:
        row = ReservationCoUser(
            reservation_id=reservation.id,
            user_id=user.id,
            role=body.role.value,
            added_by=actor.user_id,
        )
        session.add(row)
    else:
        row.role = body.role.value
    reservation.updated_at = datetime.now(UTC)  # a new version: the ETag and the event say so
    await session.flush()
    await session.refresh(row)
    await audit.record(
        session, actor, ctx.site_id, ENTITY, reservation.id, "add" if created else "change_role",
        before={"user_id": user.id, "role": previous_role} if previous_role else None,
        after={"user_id": user.id, "username": user.username, "role": row.role},
    )  # fmt: skip
    what = "added as" if created else "now"
    await reservations._announce(
        session, actor, ctx, reservation, EventType.RESERVATION_UPDATED, before=before,
        detail=f"{user.username} is {what} {row.role}.",
    )  # fmt: skip
    return _read(row, user), created


async def remove(
    session: AsyncSession,
    actor: Actor,
    reservation_id: uuid.UUID,
    user_id: str,
    *,
    if_match: str | None,
) -> None:
    """Remove a co-user (the owner, a site admin, or the co-user leaving)."""
    policy.require_user(actor)
    leaving = actor.user_id == user_id
    action = Action.RESERVATION_READ if leaving else Action.RESERVATION_SHARE
    reservation, ctx = await reservations._locked(session, actor, reservation_id, action)
    check_if_match(if_match, reservation.version, required=False)
    before = reservations.to_read(reservation)
    row = await repository.get(session, reservation.id, user_id)
    if row is None:
        raise CoUserNotFound(f"{user_id} is not a co-user of reservation {reservation.id}.")
    user = await session.get(User, user_id)
    assert user is not None
    await session.delete(row)
    reservation.updated_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session, actor, ctx.site_id, ENTITY, reservation.id, "remove",
        before={"user_id": user_id, "username": user.username, "role": row.role}, after=None,
    )  # fmt: skip
    # The event carries the list without them: an integration revokes their access now when
    # the reservation is active.
    await reservations._announce(
        session, actor, ctx, reservation, EventType.RESERVATION_UPDATED, before=before,
        detail=f"{user.username} no longer shares it.", inform=[user_id],
    )  # fmt: skip
