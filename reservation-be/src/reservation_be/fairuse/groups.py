"""Member groups: named sets of a site's members that quotas bind (site admins manage them).

A member may be in several groups. Changing a group's members changes who its quotas bind from
the next booking on; bookings already made stay (as when a quota is lowered).
"""

from __future__ import annotations

import uuid

from reservation_db.models import MemberGroup, MemberGroupMember, SiteMember
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.fairuse.schemas import MemberGroupCreate, MemberGroupMembers, MemberGroupRead
from reservation_be.kit import audit
from reservation_be.kit.errors import Conflict, FieldError, NotFound, UnprocessableEntity
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations.db_errors import UNIQUE_VIOLATION, sqlstate


class MemberGroupNotFound(NotFound):
    slug, title = "member-group-not-found", "Member group not found"


class MemberGroupNameTaken(Conflict):
    slug, title = "member-group-exists", "The site has a member group of this name already"


async def _members(session: AsyncSession, group_id: uuid.UUID) -> list[str]:
    rows = await session.execute(
        select(MemberGroupMember.user_id)
        .where(MemberGroupMember.group_id == group_id)
        .order_by(MemberGroupMember.user_id)
    )
    return list(rows.scalars().all())


async def read(session: AsyncSession, group: MemberGroup) -> MemberGroupRead:
    return MemberGroupRead(
        id=group.id,
        site_id=group.site_id,
        name=group.name,
        description=group.description,
        members=await _members(session, group.id),
        created_at=group.created_at,
    )


async def _check_members(session: AsyncSession, site_id: uuid.UUID, members: list[str]) -> None:
    """422 naming each user id that is not a member of the site (or repeated)."""
    known = set(
        (
            await session.execute(
                select(SiteMember.user_id).where(
                    SiteMember.site_id == site_id, SiteMember.user_id.in_(set(members))
                )
            )
        )
        .scalars()
        .all()
    )
    errors: list[FieldError] = []
    seen: set[str] = set()
    for i, user_id in enumerate(members):
        if user_id not in known:
            errors.append(
                FieldError(loc=["body", "members", i], msg="not a site member", type="member")
            )
        elif user_id in seen:
            errors.append(FieldError(loc=["body", "members", i], msg="repeated", type="repeated"))
        seen.add(user_id)
    if errors:
        raise UnprocessableEntity(
            f"{len(errors)} of the members cannot be in a group of this site "
            f"(first: {members[int(errors[0].loc[2])]!r} is {errors[0].msg}).",
            errors=errors,
        )


async def _set_members(session: AsyncSession, group_id: uuid.UUID, members: list[str]) -> None:
    await session.execute(delete(MemberGroupMember).where(MemberGroupMember.group_id == group_id))
    if members:
        await session.execute(
            insert(MemberGroupMember), [{"group_id": group_id, "user_id": u} for u in members]
        )


async def list_groups(
    session: AsyncSession, actor: Actor, site: uuid.UUID | str
) -> list[MemberGroup]:
    ctx = await policy.authorize(session, actor, site, Action.MEMBER_GROUP_READ)
    rows = await session.execute(
        select(MemberGroup).where(MemberGroup.site_id == ctx.site_id).order_by(MemberGroup.name)
    )
    return list(rows.scalars().all())


async def create(
    session: AsyncSession, actor: Actor, site: uuid.UUID | str, body: MemberGroupCreate
) -> MemberGroup:
    ctx = await policy.authorize(session, actor, site, Action.MEMBER_GROUP_WRITE)
    await _check_members(session, ctx.site_id, body.members)
    group = MemberGroup(site_id=ctx.site_id, name=body.name, description=body.description)
    session.add(group)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        raise MemberGroupNameTaken(f"The site has a member group named {body.name!r}.") from exc
    await session.refresh(group)
    await _set_members(session, group.id, body.members)
    after = await read(session, group)
    await audit.record(session, actor, ctx.site_id, "member_group", group.id, "created",
                       after=after)  # fmt: skip
    return group


async def _find(
    session: AsyncSession, actor: Actor, group_id: uuid.UUID, action: Action, *, lock: bool
) -> tuple[MemberGroup, SiteContext]:
    """The group, for ``action``: 404 unless the actor is a member of its site (a group is no
    business of others), 403 for a member who may not."""
    group = await session.get(MemberGroup, group_id, with_for_update=lock)
    not_found = MemberGroupNotFound(f"No member group {group_id}.")
    if group is None:
        raise not_found
    ctx = await policy.authorize_object(
        session, actor, group.site_id, action, not_found=not_found, readers=Action.MEMBER_READ
    )
    return group, ctx


async def get(session: AsyncSession, actor: Actor, group_id: uuid.UUID) -> MemberGroup:
    group, _ = await _find(session, actor, group_id, Action.MEMBER_GROUP_READ, lock=False)
    return group


async def set_members(
    session: AsyncSession, actor: Actor, group_id: uuid.UUID, body: MemberGroupMembers
) -> MemberGroup:
    """Replace the group's members (site admins)."""
    group, ctx = await _find(session, actor, group_id, Action.MEMBER_GROUP_WRITE, lock=True)
    await _check_members(session, ctx.site_id, body.members)
    before = await read(session, group)
    await _set_members(session, group.id, body.members)
    await audit.record(session, actor, ctx.site_id, "member_group", group.id, "members_changed",
                       before=before, after=await read(session, group))  # fmt: skip
    return group


async def delete_group(session: AsyncSession, actor: Actor, group_id: uuid.UUID) -> None:
    """Delete the group and its quotas (site admins)."""
    group, ctx = await _find(session, actor, group_id, Action.MEMBER_GROUP_WRITE, lock=True)
    before = await read(session, group)
    await session.delete(group)  # its members and quotas go with it (ON DELETE CASCADE)
    await session.flush()
    await audit.record(session, actor, ctx.site_id, "member_group", group_id, "deleted",
                       before=before)  # fmt: skip


async def in_site(session: AsyncSession, site_id: uuid.UUID, group_id: uuid.UUID) -> bool:
    group = await session.get(MemberGroup, group_id)
    return group is not None and group.site_id == site_id


async def groups_of(
    session: AsyncSession, site_id: uuid.UUID, user_id: str
) -> dict[uuid.UUID, str]:
    """The groups of the site ``user_id`` is in: id -> name."""
    rows = await session.execute(
        select(MemberGroup.id, MemberGroup.name)
        .join(MemberGroupMember, MemberGroupMember.group_id == MemberGroup.id)
        .where(MemberGroup.site_id == site_id, MemberGroupMember.user_id == user_id)
    )
    return {r.id: r.name for r in rows}


async def list_site_groups(
    session: AsyncSession, site_id: uuid.UUID
) -> list[tuple[MemberGroup, set[str]]]:
    """Every group of the site with its members' ids, by name (for the usage report)."""
    rows = await session.execute(
        select(MemberGroup).where(MemberGroup.site_id == site_id).order_by(MemberGroup.name)
    )
    found = list(rows.scalars().all())
    members = await session.execute(
        select(MemberGroupMember.group_id, MemberGroupMember.user_id).where(
            MemberGroupMember.group_id.in_([g.id for g in found])
        )
    )
    ids: dict[uuid.UUID, set[str]] = {g.id: set() for g in found}
    for group_id, user_id in members:
        ids[group_id].add(user_id)
    return [(g, ids[g.id]) for g in found]
