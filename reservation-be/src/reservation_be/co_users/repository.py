"""Every query on the co-users of reservations."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from reservation_common.events import CoUserData
from reservation_db.models import ReservationCoUser, SiteMember, SshKey, User
from sqlalchemy import Select, String, any_, bindparam, func, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.users.repository import SSH_KEYS

_CO_USERS = (
    select(
        ReservationCoUser.reservation_id,
        User.id,
        User.username,
        User.email,
        ReservationCoUser.role,
        SSH_KEYS,
    )
    .join(User, User.id == ReservationCoUser.user_id)
    .outerjoin(SshKey, SshKey.user_id == User.id)
    .where(
        ReservationCoUser.reservation_id
        == any_(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))))
    )
    .group_by(ReservationCoUser.reservation_id, User.id, ReservationCoUser.role,
              ReservationCoUser.created_at)
    .order_by(ReservationCoUser.reservation_id, ReservationCoUser.created_at, User.id)
)  # fmt: skip


async def event_co_users(
    session: AsyncSession, reservation_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[CoUserData]]:
    """The co-users of each reservation with their SSH keys, for events (one statement)."""
    out: dict[uuid.UUID, list[CoUserData]] = defaultdict(list)
    if not reservation_ids:
        return out
    rows = await session.execute(_CO_USERS, {"ids": list(reservation_ids)})
    for reservation_id, user_id, username, email, role, keys in rows:
        out[reservation_id].append(
            CoUserData(id=user_id, username=username, email=email, role=role, ssh_keys=list(keys))
        )
    return out


async def list_rows(
    session: AsyncSession, reservation_id: uuid.UUID
) -> list[tuple[ReservationCoUser, User]]:
    rows = await session.execute(
        select(ReservationCoUser, User)
        .join(User, User.id == ReservationCoUser.user_id)
        .where(ReservationCoUser.reservation_id == reservation_id)
        .order_by(ReservationCoUser.created_at, User.id)
    )
    return [(c, u) for c, u in rows]


async def get(
    session: AsyncSession, reservation_id: uuid.UUID, user_id: str
) -> ReservationCoUser | None:
    return await session.get(ReservationCoUser, (reservation_id, user_id))


async def role_of(session: AsyncSession, reservation_id: uuid.UUID, user_id: str) -> str | None:
    return (
        await session.execute(
            select(ReservationCoUser.role).where(
                ReservationCoUser.reservation_id == reservation_id,
                ReservationCoUser.user_id == user_id,
            )
        )
    ).scalar_one_or_none()


async def find_site_member(session: AsyncSession, site_id: uuid.UUID, who: str) -> User | None:
    """A member of the site whose username is ``who`` or whose e-mail is (any case)."""
    rows = await session.execute(
        select(User)
        .join(SiteMember, SiteMember.user_id == User.id)
        .where(
            SiteMember.site_id == site_id,
            or_(User.username == who, func.lower(User.email) == who.lower()),
        )
        .order_by((User.username == who).desc(), User.id)
        .limit(1)
    )
    return rows.scalars().first()


def shared_with(user_id: str) -> Select[uuid.UUID]:
    """The reservations ``user_id`` is a co-user of (a subquery for ``IN``)."""
    return select(ReservationCoUser.reservation_id).where(
        ReservationCoUser.user_id == bindparam("co_user_id", user_id, type_=String())
    )
