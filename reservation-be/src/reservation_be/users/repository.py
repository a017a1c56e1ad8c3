from __future__ import annotations

import uuid
from collections.abc import Sequence

from reservation_db.models import SshKey, User
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import aggregate_order_by, insert
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.auth import known_users

# A user's public SSH keys, oldest first, over an outer join of ``ssh_keys`` (none: ``[]``).
SSH_KEYS = func.array_remove(
    func.array_agg(aggregate_order_by(SshKey.public_key, SshKey.created_at)), None
)


async def upsert_from_token(
    session: AsyncSession,
    *,
    user_id: str,
    username: str,
    email: str | None,
    first_name: str | None,
    last_name: str | None,
    is_service_account: bool,
) -> None:
    """Create the user on first sight, refresh identity fields when the token says otherwise.

    Reads first so that the common case (nothing changed) takes no row lock; the insert is an
    ``ON CONFLICT`` upsert so concurrent first requests of one user cannot collide. Claims this
    process has already read back unchanged cost nothing (``auth.known_users``).
    """
    fields = {
        "username": username,
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "is_service_account": is_service_account,
    }
    if known_users.is_current(user_id, tuple(fields.values())):
        return
    current = (
        await session.execute(
            select(
                User.username, User.email, User.first_name, User.last_name, User.is_service_account
            ).where(User.id == user_id)
        )
    ).one_or_none()
    if current is not None and tuple(current) == tuple(fields.values()):
        known_users.remember(user_id, tuple(fields.values()))
        return
    stmt = insert(User).values(id=user_id, **fields)
    stmt = stmt.on_conflict_do_update(
        index_elements=[User.id], set_={**fields, "updated_at": func.now()}
    )
    await session.execute(stmt)


async def get(session: AsyncSession, user_id: str) -> User | None:
    return await session.get(User, user_id)


async def list_ssh_keys(session: AsyncSession, user_id: str) -> Sequence[SshKey]:
    stmt = select(SshKey).where(SshKey.user_id == user_id).order_by(SshKey.created_at, SshKey.id)
    return (await session.execute(stmt)).scalars().all()


async def get_ssh_key(session: AsyncSession, user_id: str, key_id: uuid.UUID) -> SshKey | None:
    stmt = select(SshKey).where(SshKey.user_id == user_id, SshKey.id == key_id)
    return (await session.execute(stmt)).scalars().first()


async def delete_ssh_key(session: AsyncSession, key: SshKey) -> None:
    await session.execute(delete(SshKey).where(SshKey.id == key.id))
