from __future__ import annotations

from reservation_db.models import SiteMember, SiteRole, User
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit import audit
from reservation_be.kit.errors import Conflict, FieldError, NotFound, UnprocessableEntity
from reservation_be.kit.notifications import notify
from reservation_be.kit.pagination import PaginationParams, paginate_rows
from reservation_be.members import repository
from reservation_be.members.directory import UserDirectory
from reservation_be.members.schemas import MemberAdd, MemberOut, MemberUpdate
from reservation_be.policy import Action, SiteContext
from reservation_be.users.schemas import UserSummary


def _out(member: SiteMember, user: User) -> MemberOut:
    return MemberOut(
        user=UserSummary.model_validate(user),
        role=SiteRole(member.role),
        created_at=member.created_at,
    )


def _site_link(ctx: SiteContext) -> list[dict[str, str]]:
    return [{"rel": "site", "href": f"/api/v1/sites/{ctx.site.id}"}]


async def list_members(
    session: AsyncSession,
    actor: Actor,
    site_ref: str,
    params: PaginationParams,
    *,
    role: SiteRole | None = None,
) -> tuple[list[MemberOut], int]:
    ctx = await policy.authorize(session, actor, site_ref, Action.MEMBER_READ)
    rows, total = await paginate_rows(
        session, repository.members_of(ctx.site.id, role=role), params
    )
    return [_out(m, u) for m, u in rows], total


async def add_member(
    session: AsyncSession,
    actor: Actor,
    site_ref: str,
    data: MemberAdd,
    *,
    directory: UserDirectory,
) -> MemberOut:
    ctx = await policy.authorize(session, actor, site_ref, Action.MEMBER_MANAGE)
    found = await directory.find(data.identifier)
    if found is None:
        raise UnprocessableEntity(
            f"No user with username or e-mail {data.identifier!r}.",
            errors=[
                FieldError(loc=["body", "identifier"], msg="no such user", type="unknown_user")
            ],
        )
    await repository.lock_site(session, ctx.site.id)
    if await repository.get_member(session, ctx.site.id, found.id) is not None:
        raise Conflict(f"{found.username} is already a member of this site.")
    policy.check_role_change(ctx, target_user_id=found.id, current=None, new=data.role)
    user = await repository.upsert_user(
        session,
        user_id=found.id,
        username=found.username,
        email=found.email,
        first_name=found.first_name,
        last_name=found.last_name,
    )
    member = SiteMember(site_id=ctx.site.id, user_id=user.id, role=data.role.value)
    session.add(member)
    await session.flush()
    await session.refresh(member)
    await audit.record(
        session,
        actor,
        ctx.site.id,
        "site_member",
        user.id,
        "add",
        None,
        {"username": user.username, "role": member.role},
    )
    await notify(
        session,
        user.id,
        "site.member_added",
        f"You were added to {ctx.site.name} as {member.role}.",
        _site_link(ctx),
        params={"site": ctx.site.name, "role": member.role},
    )
    return _out(member, user)


async def _load(session: AsyncSession, ctx: SiteContext, user_id: str) -> tuple[SiteMember, User]:
    found = await repository.get_member(session, ctx.site.id, user_id)
    if found is None:
        raise NotFound("Member not found.")
    return found


async def change_role(
    session: AsyncSession, actor: Actor, site_ref: str, user_id: str, data: MemberUpdate
) -> MemberOut:
    ctx = await policy.site_context(session, actor, site_ref)
    policy.check(ctx, Action.MEMBER_READ)
    member, user = await _load(session, ctx, user_id)
    current = SiteRole(member.role)
    policy.check_role_change(ctx, target_user_id=user_id, current=current, new=data.role)
    if current is data.role:
        return _out(member, user)
    await repository.lock_site(session, ctx.site.id)
    if current is SiteRole.SITE_ADMIN and await repository.count_admins(session, ctx.site.id) <= 1:
        raise Conflict("The last site-admin cannot be demoted; make someone else site-admin first.")
    member.role = data.role.value
    await session.flush()
    await audit.record(
        session,
        actor,
        ctx.site.id,
        "site_member",
        user.id,
        "change_role",
        {"role": current.value},
        {"role": member.role},
    )
    await notify(
        session,
        user.id,
        "site.role_changed",
        f"Your role on {ctx.site.name} is now {member.role}.",
        _site_link(ctx),
        params={"site": ctx.site.name, "role": member.role},
    )
    return _out(member, user)


async def remove_member(session: AsyncSession, actor: Actor, site_ref: str, user_id: str) -> None:
    ctx = await policy.site_context(session, actor, site_ref)
    leaving = user_id == actor.user_id and ctx.role is not None
    if not leaving:
        policy.check(ctx, Action.MEMBER_MANAGE)
    member, user = await _load(session, ctx, user_id)
    await repository.lock_site(session, ctx.site.id)
    if (
        member.role == SiteRole.SITE_ADMIN.value
        and await repository.count_admins(session, ctx.site.id) <= 1
    ):
        raise Conflict("The last site-admin cannot be removed; make someone else site-admin first.")
    await repository.delete_member(session, ctx.site.id, user_id)
    await audit.record(
        session,
        actor,
        ctx.site.id,
        "site_member",
        user.id,
        "leave" if leaving else "remove",
        {"username": user.username, "role": member.role},
        None,
    )
    if not leaving:
        await notify(
            session,
            user.id,
            "site.member_removed",
            f"You were removed from {ctx.site.name}.",
            _site_link(ctx),
            params={"site": ctx.site.name},
        )
