from __future__ import annotations

import uuid
from collections.abc import Sequence

from reservation_db.models import SshKey, User
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.auth.actor import Actor
from reservation_be.kit import audit
from reservation_be.kit.errors import Conflict, FieldError, NotFound, UnprocessableEntity
from reservation_be.users import repository
from reservation_be.users.schemas import ProfileUpdate, SshKeyCreate, SshKeyUpdate
from reservation_be.users.ssh_keys import InvalidSshKey, parse_public_key

MAX_KEYS_PER_USER = 50


async def get_me(session: AsyncSession, actor: Actor) -> User:
    user = await repository.get(session, actor.user_id)
    if user is None:  # the auth dependency creates it; only a concurrent delete gets here
        raise NotFound("User not found.")
    return user


async def update_profile(session: AsyncSession, actor: Actor, update: ProfileUpdate) -> User:
    user = await get_me(session, actor)
    before = {"display_name": user.display_name, "timezone": user.timezone}
    for field in update.model_fields_set:
        setattr(user, field, getattr(update, field))
    await session.flush()
    after = {"display_name": user.display_name, "timezone": user.timezone}
    if before != after:
        await audit.record(session, actor, None, "user", user.id, "update_profile", before, after)
    return user


async def list_ssh_keys(session: AsyncSession, actor: Actor) -> Sequence[SshKey]:
    return await repository.list_ssh_keys(session, actor.user_id)


async def add_ssh_key(session: AsyncSession, actor: Actor, data: SshKeyCreate) -> SshKey:
    try:
        parsed = parse_public_key(data.public_key)
    except InvalidSshKey as exc:
        raise UnprocessableEntity(
            f"Invalid SSH public key: {exc}",
            errors=[FieldError(loc=["body", "public_key"], msg=str(exc), type="ssh_key")],
        ) from exc
    existing = await repository.list_ssh_keys(session, actor.user_id)
    if any(k.fingerprint == parsed.fingerprint for k in existing):
        raise Conflict(f"This key ({parsed.fingerprint}) is already registered.")
    if len(existing) >= MAX_KEYS_PER_USER:
        raise Conflict(f"A user may register at most {MAX_KEYS_PER_USER} keys.")
    key = SshKey(
        user_id=actor.user_id,
        name=data.name or parsed.comment or parsed.key_type,
        key_type=parsed.key_type,
        public_key=parsed.public_key,
        comment=parsed.comment,
        fingerprint=parsed.fingerprint,
        bits=parsed.bits,
    )
    session.add(key)
    await session.flush()
    await session.refresh(key)
    await audit.record(
        session, actor, None, "ssh_key", key.id, "create", None, {"fingerprint": key.fingerprint}
    )
    return key


async def delete_ssh_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> None:
    key = await repository.get_ssh_key(session, actor.user_id, key_id)
    if key is None:
        raise NotFound("SSH key not found.")
    await repository.delete_ssh_key(session, key)
    await audit.record(
        session, actor, None, "ssh_key", key.id, "delete", {"fingerprint": key.fingerprint}, None
    )


async def get_ssh_key(session: AsyncSession, actor: Actor, key_id: uuid.UUID) -> SshKey:
    key = await repository.get_ssh_key(session, actor.user_id, key_id)
    if key is None:
        raise NotFound("SSH key not found.")
    return key


async def rename_ssh_key(
    session: AsyncSession, actor: Actor, key_id: uuid.UUID, data: SshKeyUpdate
) -> SshKey:
    key = await get_ssh_key(session, actor, key_id)
    before = {"name": key.name}
    key.name = data.name
    await session.flush()
    await audit.record(
        session, actor, None, "ssh_key", key.id, "rename", before, {"name": key.name}
    )
    return key
