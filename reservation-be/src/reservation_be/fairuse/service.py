"""Fair use: quotas and usage, maintenance windows, extend / release / check-in.

The rules themselves live in :mod:`reservation_be.fairuse.rules`; this module authorises,
writes and announces.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from reservation_common.events import Cause, EventType
from reservation_db.models import Blackout, Quota, ReservationSlot, Resource, ResourceType
from reservation_db.models.blackout import BlackoutPolicy, BlackoutScope
from reservation_db.models.quota import WINDOW_LENGTH, GroupScope
from reservation_db.models.reservation import Reservation, ReservationStatus
from sqlalchemy import delete, func, update
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.fairuse import groups, repository, rules
from reservation_be.fairuse.schemas import (
    BlackoutCreate,
    BlackoutRead,
    ExtendBody,
    GroupUsage,
    MemberUsage,
    MyUsage,
    QuotaCreate,
    QuotaRead,
    QuotaUsage,
    SiteUsage,
    SiteUsageReport,
    Usage,
)
from reservation_be.kit import audit
from reservation_be.kit.errors import Conflict, FieldError, NotFound, UnprocessableEntity
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations import repository as reservations_repository
from reservation_be.reservations import service as reservations
from reservation_be.reservations.db_errors import (
    DEADLOCK_DETECTED,
    EXCLUSION_VIOLATION,
    UNIQUE_VIOLATION,
    sqlstate,
)
from reservation_be.reservations.schemas import ReservationUpdate
from reservation_be.reservations.transitions import releases_slots, transition

S = ReservationStatus
BLACKOUT_RETRIES = 3
_LIMITS = ("max_concurrent", "max_booked", "max_future", "max_resources")


class QuotaNotFound(NotFound):
    slug, title = "quota-not-found", "Quota not found"


class QuotaContradiction(UnprocessableEntity):
    slug, title = "quota-contradiction", "The quota contradicts itself or another quota"


class QuotaScopeTaken(Conflict):
    slug, title = "quota-exists", "A quota for this scope exists already"


class BlackoutNotFound(NotFound):
    slug, title = "blackout-not-found", "Maintenance window not found"


class BlackoutRefused(Conflict):
    slug, title = "blackout-conflict", "Bookings or another maintenance window hold the period"


class ReleaseRefused(Conflict):
    slug, title = "release-refused", "Only an active reservation can be released"


# ---------------------------------------------------------------------------------------------
# Quotas


def quota_read(quota: Quota) -> QuotaRead:
    return QuotaRead.model_validate(quota)


async def list_quotas(session: AsyncSession, actor: Actor, site: uuid.UUID | str) -> list[Quota]:
    ctx = await policy.authorize(session, actor, site, Action.QUOTA_READ)
    return await repository.list_quotas(session, ctx.site_id)


def _contradictions(new: QuotaCreate, others: list[Quota]) -> list[FieldError]:
    """Limits that can never all hold, within the quota or against the site-wide one."""
    errors: list[FieldError] = []
    if (
        new.max_resources is not None
        and new.max_concurrent is not None
        and new.max_resources < new.max_concurrent
    ):
        errors.append(
            FieldError(
                loc=["body", "max_concurrent"],
                msg=f"unreachable: every reservation holds at least one resource and "
                f"max_resources is {new.max_resources}",
                type="contradiction",
            )
        )
    if new.max_booked is not None and new.booked_window is not None:
        window = WINDOW_LENGTH[new.booked_window]
        most = window * new.max_concurrent if new.max_concurrent is not None else None
        if most is not None and new.max_booked > most:
            errors.append(
                FieldError(
                    loc=["body", "max_booked"],
                    msg=f"unreachable: at most {new.max_concurrent} reservation(s) at once fill "
                    f"at most {most} of a {new.booked_window}",
                    type="contradiction",
                )
            )
    # A type's quota looser than the site-wide quota of the same members contradicts it: the
    # site-wide one would always bind first. Likewise what a group lets each member hold
    # against what it lets all of them hold together (same type scope).
    for other in others:
        if (other.group_id, other.resource_type_id) == (new.group_id, new.resource_type_id) and (
            other.group_id is not None and other.group_scope != new.group_scope
        ):
            each, total = (new, other) if new.group_scope == GroupScope.EACH else (other, new)
            errors += _looser(each, total, other, "each member of the group", "the group's total")
            continue
        if (other.user_id, other.group_id, other.group_scope) != (
            new.user_id,
            new.group_id,
            new.group_scope,
        ):
            continue
        if (other.resource_type_id is None) == (new.resource_type_id is None):
            continue
        narrow, wide = (new, other) if new.resource_type_id is not None else (other, new)
        errors += _looser(narrow, wide, other, "the type's quota", "the site-wide quota")
    return errors


def _looser(
    narrow: QuotaCreate | Quota,
    wide: QuotaCreate | Quota,
    other: Quota,
    narrow_name: str,
    wide_name: str,
) -> list[FieldError]:
    """Each limit that ``narrow`` sets higher than ``wide`` (which always binds as well)."""
    errors: list[FieldError] = []
    for name in _LIMITS:
        if name == "max_booked" and narrow.booked_window != wide.booked_window:
            continue
        lo, hi = getattr(wide, name), getattr(narrow, name)
        if lo is not None and hi is not None and hi > lo:
            errors.append(
                FieldError(
                    loc=["body", name],
                    msg=f"{narrow_name} allows {hi} but {wide_name} ({other.id}) allows only {lo}",
                    type="contradiction",
                )
            )
    return errors


async def create_quota(
    session: AsyncSession, actor: Actor, site: uuid.UUID | str, body: QuotaCreate
) -> Quota:
    ctx = await policy.authorize(session, actor, site, Action.QUOTA_WRITE)
    if body.resource_type_id is not None:
        rtype = await session.get(ResourceType, body.resource_type_id)
        if rtype is None or rtype.site_id != ctx.site_id:
            raise UnprocessableEntity(
                "No such resource type in this site.",
                errors=[
                    FieldError(loc=["body", "resource_type_id"], msg="unknown", type="not_found")
                ],
            )
    if body.group_id is not None and not await groups.in_site(session, ctx.site_id, body.group_id):
        raise UnprocessableEntity(
            "No such member group in this site.",
            errors=[FieldError(loc=["body", "group_id"], msg="unknown", type="not_found")],
        )
    if (
        body.user_id is not None
        and await policy.role_of(session, ctx.site_id, body.user_id) is None
    ):
        raise UnprocessableEntity(
            "user_id is not a member of this site.",
            errors=[FieldError(loc=["body", "user_id"], msg="not a site member", type="member")],
        )
    others = await repository.list_quotas(session, ctx.site_id)
    errors = _contradictions(body, others)
    if errors:
        raise QuotaContradiction("; ".join(e.msg for e in errors) + ".", errors=errors)
    quota = Quota(site_id=ctx.site_id, **body.model_dump())
    session.add(quota)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        raise QuotaScopeTaken(
            "This site already has a quota for this type and member or group; delete it first."
        ) from exc
    await session.refresh(quota)
    await audit.record(
        session, actor, ctx.site_id, "quota", quota.id, "created", after=quota_read(quota)
    )
    return quota


async def delete_quota(session: AsyncSession, actor: Actor, quota_id: uuid.UUID) -> None:
    quota = await repository.get_quota(session, quota_id)
    not_found = QuotaNotFound(f"No quota {quota_id}.")
    if quota is None:
        raise not_found
    ctx = await policy.authorize_object(
        session,
        actor,
        quota.site_id,
        Action.QUOTA_WRITE,
        not_found=not_found,
        readers=Action.QUOTA_READ,
    )
    before = quota_read(quota)
    await session.delete(quota)
    await session.flush()
    await audit.record(session, actor, ctx.site_id, "quota", quota_id, "deleted", before=before)


# ---------------------------------------------------------------------------------------------
# Usage


def _usage(quota: rules.EffectiveQuota, held: list[rules.Held], *, now: datetime) -> Usage:
    scoped = [
        h for h in held if quota.resource_type_id is None or h.type_id == quota.resource_type_id
    ]
    live = [h for h in scoped if h.status in rules.HOLDING]
    at_now = [h for h in live if h.start <= now < h.end]
    window = quota.window
    booked = None
    if window is not None:
        counted = [h for h in scoped if h.status in rules.COUNTED_HOURS]
        booked = rules.peak_booked(counted, window, now, now + window)
    return Usage(
        held_now=len(at_now),
        resources_now=sum(h.resources for h in at_now),
        future=sum(1 for h in live if h.start > now),
        booked=booked,
    )


async def my_usage(session: AsyncSession, actor: Actor) -> MyUsage:
    """The caller's usage against every quota that binds them, per site where they are a
    member (for the booking form)."""
    policy.require_user(actor)
    now = datetime.now(UTC)
    sites: list[SiteUsage] = []
    reach = max(WINDOW_LENGTH.values())
    for site_id in await repository.member_sites_with_quotas(session, actor.user_id):
        ctx = await policy.site_context(session, actor, site_id)
        is_admin = ctx.role is not None and ctx.role.value == "site-admin"
        mine = await groups.groups_of(session, site_id, actor.user_id)
        quotas = await repository.list_quotas(session, site_id)
        applying = rules.choose(
            quotas, owner_id=actor.user_id, group_ids=mine, type_id=None, owner_is_site_admin=False
        )
        binding = rules.choose(
            quotas,
            owner_id=actor.user_id,
            group_ids=mine,
            type_id=None,
            owner_is_site_admin=is_admin,
        )
        items: list[QuotaUsage] = []
        held_by: dict[uuid.UUID | None, list[rules.Held]] = {}
        for q in binding:
            pooled = q.group_scope == GroupScope.TOTAL.value
            key = q.group_id if pooled else None
            if key not in held_by:
                owners = [actor.user_id] if key is None else await rules.group_members(session, key)
                held_by[key] = await rules.load_usage(
                    session,
                    site_id=site_id,
                    owner_ids=owners,
                    since=now - reach,
                    span=Range(now - reach, now + 2 * reach, bounds="[)"),
                )
            items.append(
                QuotaUsage(
                    quota=quota_read(q),
                    group_name=mine.get(q.group_id) if q.group_id else None,
                    usage=_usage(rules.effective(q), held_by[key], now=now),
                )
            )
        sites.append(
            SiteUsage(
                site_id=site_id,
                site_slug=ctx.site.slug,
                exempt=bool(applying) and not binding,
                quotas=items,
            )
        )
    return MyUsage(sites=sites)


def _booked(held: list[rules.Held], lo: datetime, hi: datetime) -> timedelta:
    return sum(
        (
            max(timedelta(0), min(h.end, hi) - max(h.start, lo))
            for h in held
            if h.status in rules.COUNTED_HOURS
        ),
        timedelta(0),
    )


def _held_figures(held: list[rules.Held], now: datetime) -> dict[str, Any]:
    month = timedelta(days=30)
    live = [h for h in held if h.status in rules.HOLDING]
    at_now = [h for h in live if h.start <= now < h.end]
    return {
        "held_now": len(at_now),
        "resources_now": sum(h.resources for h in at_now),
        "future": sum(1 for h in live if h.start > now),
        "booked_last_30_days": _booked(held, now - month, now),
        "booked_next_30_days": _booked(held, now, now + month),
    }


async def site_usage(session: AsyncSession, actor: Actor, site: uuid.UUID | str) -> SiteUsageReport:
    """Every member's usage of the site now, and every member group's (its members together),
    for site admins."""
    ctx = await policy.authorize(session, actor, site, Action.USAGE_REPORT)
    now = datetime.now(UTC)
    month = timedelta(days=30)
    members: list[MemberUsage] = []
    held_by: dict[str, list[rules.Held]] = {}
    site_groups = await groups.list_site_groups(session, ctx.site_id)
    for user_id, username, role in await repository.site_members(session, ctx.site_id):
        held = held_by[user_id] = await rules.load_usage(
            session,
            site_id=ctx.site_id,
            owner_ids=[user_id],
            since=now - month,
            span=Range(now - month, now + month, bounds="[)"),
        )
        members.append(
            MemberUsage(
                user_id=user_id,
                username=username,
                role=role,
                groups=[g.name for g, ids in site_groups if user_id in ids],
                **_held_figures(held, now),
            )
        )
    group_usage = [
        GroupUsage(
            group_id=g.id,
            name=g.name,
            members=len(ids),
            **_held_figures([h for u in ids for h in held_by.get(u, [])], now),
        )
        for g, ids in site_groups
    ]
    return SiteUsageReport(
        site_id=ctx.site_id, generated_at=now, members=members, groups=group_usage
    )


CSV_COLUMNS = (
    "user_id",
    "username",
    "role",
    "held_now",
    "resources_now",
    "future",
    "booked_hours_last_30_days",
    "booked_hours_next_30_days",
    "groups",
)


def usage_csv(report: SiteUsageReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for m in report.members:
        writer.writerow(
            [
                _cell(m.user_id),
                _cell(m.username),
                m.role,
                m.held_now,
                m.resources_now,
                m.future,
                round(m.booked_last_30_days.total_seconds() / 3600, 2),
                round(m.booked_next_30_days.total_seconds() / 3600, 2),
                _cell("; ".join(m.groups)),
            ]
        )
    return out.getvalue()


def _cell(value: str) -> str:
    # A spreadsheet runs a cell starting with one of these as a formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# ---------------------------------------------------------------------------------------------
# Maintenance windows (blackouts)


def blackout_read(blackout: Blackout, *, cancelled: list[uuid.UUID] | None = None) -> BlackoutRead:
    start, end = blackout.period.lower, blackout.period.upper
    assert start is not None and end is not None
    return BlackoutRead(
        id=blackout.id,
        site_id=blackout.site_id,
        resource_id=blackout.resource_id,
        scope=BlackoutScope(blackout.scope),
        policy=BlackoutPolicy(blackout.policy),
        reason=blackout.reason,
        start=start,
        end=end,
        created_by=blackout.created_by,
        created_at=blackout.created_at,
        cancelled_reservations=cancelled or [],
    )


async def list_blackouts(
    session: AsyncSession,
    actor: Actor,
    site: uuid.UUID | str,
    *,
    start: datetime | None,
    end: datetime | None,
) -> list[Blackout]:
    """Maintenance windows of the site overlapping [start, end): whoever sees the site's
    availability sees them (the calendar shows them)."""
    ctx = await policy.authorize(session, actor, site, Action.BLACKOUT_READ)
    if start is not None and end is not None and end <= start:
        raise UnprocessableEntity(
            "end must be after start.",
            errors=[FieldError(loc=["query", "end"], msg="must be after start", type="period")],
        )
    overlaps = Range(start, end, bounds="[)") if start or end else None
    return await repository.list_blackouts(session, ctx.site_id, overlaps=overlaps)


def _ref(r: Reservation, ctx: SiteContext) -> dict[str, Any]:
    start, end = r.period.lower, r.period.upper
    assert start is not None and end is not None
    return {
        "id": str(r.id),
        "resource_id": str(r.resource_id),
        "owner_id": r.owner_id,
        "status": r.status,
        "start": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "end": end.astimezone(UTC).isoformat().replace("+00:00", "Z"),
    }


async def create_blackout(
    session: AsyncSession, actor: Actor, site: uuid.UUID | str, body: BlackoutCreate
) -> tuple[Blackout, list[uuid.UUID]]:
    """Hold the period with slots. What holds part of it already is refused (409 with the list)
    or, with policy ``cancel``, cancelled with the reason (cause ``maintenance``, each owner
    notified) in the same transaction. Another maintenance window in the way is always a 409."""
    ctx = await policy.authorize(session, actor, site, Action.BLACKOUT_WRITE)
    if body.resource_id is not None:
        resource = await session.get(Resource, body.resource_id)
        if resource is None or resource.site_id != ctx.site_id:
            raise UnprocessableEntity(
                "No such resource in this site.",
                errors=[FieldError(loc=["body", "resource_id"], msg="unknown", type="not_found")],
            )
    blackout = Blackout(
        site_id=ctx.site_id,
        resource_id=body.resource_id,
        scope=body.scope.value,
        policy=body.policy.value,
        reason=body.reason,
        period=Range(body.start, body.end, bounds="[)"),
        created_by=actor.user_id,
    )
    session.add(blackout)
    await session.flush()
    await session.refresh(blackout)
    for attempt in range(1, BLACKOUT_RETRIES + 1):
        try:
            async with session.begin_nested():
                cancelled = await _clear(session, actor, ctx, blackout)
                await repository.insert_blackout_slots(session, blackout)
            break
        except DBAPIError as exc:
            # A booking committed into the period meanwhile: look again.
            if sqlstate(exc) not in (EXCLUSION_VIOLATION, DEADLOCK_DETECTED):
                raise
            if attempt == BLACKOUT_RETRIES:
                raise Conflict("Bookings keep arriving in this period; retry.") from exc
    await audit.record(
        session, actor, ctx.site_id, "blackout", blackout.id, "created",
        after=blackout_read(blackout, cancelled=cancelled),
    )  # fmt: skip
    return blackout, cancelled


async def _clear(
    session: AsyncSession, actor: Actor, ctx: SiteContext, blackout: Blackout
) -> list[uuid.UUID]:
    others = await repository.overlapping_blackouts(session, blackout)
    others = [b for b in others if b.id != blackout.id]
    if others:
        raise BlackoutRefused(
            f"Maintenance window {others[0].id} holds part of this period.",
            extra={"conflicting_blackouts": [str(b.id) for b in others]},
        )
    holders = await repository.holders(session, blackout)
    if not holders:
        return []
    if blackout.policy == "refuse":
        raise BlackoutRefused(
            f"{len(holders)} reservation(s) hold part of this period; cancel or move them, or "
            "create the window with policy cancel.",
            extra={"conflicting_reservations": [_ref(r, ctx) for r in holders]},
        )
    for reservation in holders:
        before = reservations.to_read(reservation)
        previous = transition(reservation, S.CANCELLED)
        reservation.status_reason = f"maintenance: {blackout.reason}"
        await session.flush()
        if releases_slots(previous, S.CANCELLED):
            await reservations_repository.delete_slots(session, reservation.id)
        await reservations._announce(
            session, actor, ctx, reservation, EventType.RESERVATION_CANCELLED, before=before,
            previous_status=previous.value, cause=Cause.MAINTENANCE,
            detail=f"Maintenance: {blackout.reason}",
        )  # fmt: skip
    return [r.id for r in holders]


async def delete_blackout(session: AsyncSession, actor: Actor, blackout_id: uuid.UUID) -> None:
    blackout = await session.get(Blackout, blackout_id)
    not_found = BlackoutNotFound(f"No maintenance window {blackout_id}.")
    if blackout is None:
        raise not_found
    ctx = await policy.authorize_object(
        session, actor, blackout.site_id, Action.BLACKOUT_WRITE, not_found=not_found
    )
    before = blackout_read(blackout)
    await session.delete(blackout)  # its slots go with it (ON DELETE CASCADE)
    await session.flush()
    await audit.record(
        session, actor, ctx.site_id, "blackout", blackout_id, "deleted", before=before
    )


# ---------------------------------------------------------------------------------------------
# Extend, release, check in


async def extend(
    session: AsyncSession,
    actor: Actor,
    reservation_id: uuid.UUID,
    body: ExtendBody,
    *,
    if_match: str | None,
    limits: Any,
) -> Reservation:
    """Move the end later: the same path as a PATCH of ``end`` (every rule, quotas, the
    exclusion constraint naming the booking in the way), refused when it is not later."""
    current = await reservations.get(session, actor, reservation_id)
    end = current.period.upper
    assert end is not None
    if body.end <= end:
        raise UnprocessableEntity(
            "An extension moves the end later; to end earlier, change the reservation or "
            "release it.",
            errors=[FieldError(loc=["body", "end"], msg="must be after the current end",
                               type="extension")],
        )  # fmt: skip
    return await reservations.update(
        session,
        actor,
        reservation_id,
        ReservationUpdate(end=body.end),
        if_match=if_match or f'"{current.version}"',
        limits=limits,
    )


async def release(session: AsyncSession, actor: Actor, reservation_id: uuid.UUID) -> Reservation:
    """End an active reservation now: completed, the period ends now, the slots after now plus
    the type's teardown grace are freed; ``reservation.released`` now and the scheduler's
    ``reservation.ended`` (tear down) right after."""
    reservation, ctx = await reservations._locked(
        session, actor, reservation_id, Action.RESERVATION_CANCEL
    )
    if reservation.status != S.ACTIVE.value:
        raise ReleaseRefused(
            f"A {reservation.status} reservation cannot be released"
            + ("; cancel it instead." if reservation.status in ("pending", "confirmed") else ".")
        )
    now = datetime.now(UTC)
    start = reservation.period.lower
    assert start is not None
    if now <= start:
        raise ReleaseRefused("The reservation has not started yet; cancel it instead.")
    before = reservations.to_read(reservation)
    rtype = await reservations._type_of(session, reservation.resource_id)
    previous = transition(reservation, S.COMPLETED)
    reservation.period = Range(start, now, bounds="[)")
    reservation.status_reason = "released early"
    await session.flush()
    # The slots after now plus the teardown grace are freed; the rest stays as history (a pooled
    # booking's pieces that start later go entirely).
    cut = now + rtype.teardown_grace
    await session.execute(
        delete(ReservationSlot).where(
            ReservationSlot.reservation_id == reservation.id,
            func.lower(ReservationSlot.period) >= cut,
        )
    )
    await session.execute(
        update(ReservationSlot)
        .where(ReservationSlot.reservation_id == reservation.id)
        .values(
            period=func.tstzrange(
                func.lower(ReservationSlot.period),
                func.least(func.upper(ReservationSlot.period), cut),
                "[)",
            )
        )
        .execution_options(synchronize_session=False)
    )
    await reservations._announce(
        session, actor, ctx, reservation, EventType.RESERVATION_RELEASED, before=before,
        previous_status=previous.value, cause=Cause.RELEASED,
    )  # fmt: skip
    return reservation


async def check_in(session: AsyncSession, actor: Actor, reservation_id: uuid.UUID) -> Reservation:
    """The owner says they use the booking (UI, CLI); types with a check-in time release a
    booking not checked in by then."""
    reservation, ctx = await reservations._locked(
        session, actor, reservation_id, Action.RESERVATION_CHECK_IN
    )
    now = datetime.now(UTC)
    rules.check_in_allowed(reservation, actor_id=actor.user_id, now=now)
    if reservation.checked_in_at is not None:
        return reservation
    before = reservations.to_read(reservation)
    reservation.checked_in_at = now
    await session.flush()
    await audit.record(
        session, actor, ctx.site_id, "reservation", reservation.id, "checked_in",
        before=before, after=reservations.to_read(reservation),
    )  # fmt: skip
    return reservation
