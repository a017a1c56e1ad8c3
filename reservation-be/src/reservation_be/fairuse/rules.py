"""Every fair-use rule, in one place, applied identically on every path that books.

* **Quotas** (:func:`prepare_quotas` then :func:`enforce_quotas`): create, booking on behalf,
  move, extend and any other path that inserts or re-inserts a reservation's slots calls both,
  in the booking's transaction. ``prepare_quotas`` reads the quotas that can bind the owner
  (the member's own, their groups', the one for every member) and, when there are any, takes
  transaction-level advisory locks: one keyed on (site, owner), and one keyed on (site, group)
  per group of the owner that has a ``total`` quota, all in the order of their keys.
  ``enforce_quotas`` runs after the slots are written and counts the bookings each quota
  counts (the owner's; for a group total, every member's), the new one included. Two bookings
  that one quota counts together thus count one after the other: the second waits on the
  shared key until the first commits, and its count (a new statement under READ COMMITTED)
  sees the first. Two members of one group share the group's key; one member's bookings share
  the owner's key. A path that writes several bookings in one transaction (a series, a group)
  takes the same keys before the first insert, whatever the type, then re-takes them
  (re-entrant) and counts after each insert.
* **Extensions** (:func:`check_extension`): when and by how much the end may move later.
* **Check-in** (:func:`check_in_allowed`): who may check in, and when.
* **Provisioning failure** (:func:`failure_releases_slots`): what a failed booking keeps.

Blackouts are not a rule here: they hold their period with slots, so the exclusion constraint
refuses a booking over them (``fairuse/blackouts.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from reservation_db.models.quota import WINDOW_LENGTH, GroupScope, QuotaWindow
from reservation_db.models.reservation import Reservation, ReservationStatus
from reservation_db.models.resource_type import ResourceType
from sqlalchemy import DateTime, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, TSTZRANGE, UUID, Range
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import String

from reservation_be.kit.errors import Conflict, FieldError, Forbidden, UnprocessableEntity

S = ReservationStatus
HOLDING = (S.PENDING.value, S.CONFIRMED.value, S.ACTIVE.value)
# Booked hours count what was held, also what already ran.
COUNTED_HOURS = (*HOLDING, S.COMPLETED.value)
# hashtextextended's seed for the quota locks (the booking locks use 7497075).
QUOTA_LOCK_SEED = 7497076


class QuotaExceeded(Conflict):
    slug, title = "quota-exceeded", "The booking would exceed a quota"


class ExtensionRefused(UnprocessableEntity):
    slug, title = "extension-refused", "The extension breaks the type's extension rules"


class CheckInRefused(Conflict):
    slug, title = "check-in-refused", "The reservation cannot be checked in now"


@dataclass(frozen=True, slots=True)
class EffectiveQuota:
    """A quota as it binds one owner (see :func:`choose`)."""

    id: uuid.UUID
    resource_type_id: uuid.UUID | None
    max_concurrent: int | None
    max_booked: timedelta | None
    booked_window: QuotaWindow | None
    max_future: int | None
    max_resources: int | None
    # A group's quota: the group; with scope ``total`` it counts every member's bookings.
    group_id: uuid.UUID | None = None
    group_scope: GroupScope | None = None
    group_name: str | None = None

    @property
    def window(self) -> timedelta | None:
        return WINDOW_LENGTH[self.booked_window] if self.booked_window else None

    @property
    def pooled(self) -> bool:
        return self.group_scope is GroupScope.TOTAL


class QuotaLike(Protocol):
    """A quota row (ORM object or SQL row): what :func:`choose` reads."""

    @property
    def resource_type_id(self) -> uuid.UUID | None: ...
    @property
    def user_id(self) -> str | None: ...
    @property
    def group_id(self) -> uuid.UUID | None: ...
    @property
    def group_scope(self) -> str | None: ...
    @property
    def exempt_site_admins(self) -> bool: ...


Q = TypeVar("Q", bound=QuotaLike)


def choose(
    rows: Iterable[Q],
    *,
    owner_id: str,
    group_ids: Collection[uuid.UUID],
    type_id: uuid.UUID | None,
    owner_is_site_admin: bool,
) -> list[Q]:
    """The quotas of a site that bind ``owner_id`` (a member of ``group_ids``) on a booking of
    type ``type_id`` (``None``: on any type, for a usage overview).

    Each type scope (every type, this type) is decided on its own, and every scope that applies
    binds. Within one scope:

    * the member's own limit is the member's own quota if there is one; else every ``each``
      quota of a group the member is in (all of them bind, so the strictest decides); else the
      quota for every member;
    * every ``total`` quota of a group the member is in binds as well: the group's members
      together stay under it, whatever their own limits;
    * a site admin is not bound by a quota with ``exempt_site_admins`` (their bookings still
      count towards a group's total).
    """
    groups = set(group_ids)
    scopes: dict[uuid.UUID | None, list[Q]] = {}
    for row in rows:
        if type_id is not None and row.resource_type_id not in (None, type_id):
            continue
        if row.user_id not in (None, owner_id):
            continue
        if row.group_id is not None and row.group_id not in groups:
            continue
        scopes.setdefault(row.resource_type_id, []).append(row)
    chosen: list[Q] = []
    for scoped in scopes.values():
        own = [r for r in scoped if r.user_id == owner_id]
        each = [r for r in scoped if r.group_scope == GroupScope.EACH.value]
        everyone = [r for r in scoped if r.user_id is None and r.group_id is None]
        chosen += own or each or everyone
        chosen += [r for r in scoped if r.group_scope == GroupScope.TOTAL.value]
    return [r for r in chosen if not (owner_is_site_admin and r.exempt_site_admins)]


# Every quota of the site that can bind the owner, on any type: the keys an owner locks must
# not depend on the type booked (a group booking of several types takes them once, first).
_QUOTAS = text(
    """
SELECT q.id, q.resource_type_id, q.user_id, q.group_id, q.group_scope, g.name AS group_name,
       q.max_concurrent, q.max_booked, q.booked_window, q.max_future, q.max_resources,
       q.exempt_site_admins
FROM quotas q LEFT JOIN member_groups g ON g.id = q.group_id
WHERE q.site_id = :site_id
  AND (q.user_id = :owner_id
       OR (q.user_id IS NULL AND q.group_id IS NULL)
       OR q.group_id IN (SELECT m.group_id FROM member_group_members m
                         WHERE m.user_id = :owner_id))
"""
).bindparams(
    bindparam("site_id", type_=UUID(as_uuid=True)),
    bindparam("owner_id", type_=String()),
)

# The quota locks in the order of their keys, in one statement. Two transactions share a key
# only when one quota counts both; one order of keys for everybody means none waits in a cycle.
_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtextextended(k, 7497076))"  # QUOTA_LOCK_SEED
    " FROM (SELECT k FROM unnest(CAST(:keys AS text[])) WITH ORDINALITY AS t(k, n)"
    " ORDER BY n) AS ordered"
).bindparams(bindparam("keys", type_=ARRAY(String())))

_GROUP_MEMBERS = text(
    "SELECT user_id FROM member_group_members WHERE group_id = :group_id ORDER BY user_id"
).bindparams(bindparam("group_id", type_=UUID(as_uuid=True)))

# The bookings that can count against a quota (of one member, or of a group's members):
# everything still held (for the future count) and what overlaps the span the windows can
# reach, with the resources each holds.
_USAGE = text(
    """
SELECT r.id, r.period, r.status, res.type_id,
       (SELECT count(*) FROM reservation_slots s WHERE s.reservation_id = r.id) AS resources
FROM reservations r JOIN resources res ON res.id = r.resource_id
WHERE r.site_id = :site_id AND r.owner_id = ANY(:owner_ids)
  AND ((r.status IN ('pending', 'confirmed', 'active') AND upper(r.period) > :since)
       OR (r.status = 'completed' AND r.period && :span))
"""
).bindparams(
    bindparam("site_id", type_=UUID(as_uuid=True)),
    bindparam("owner_ids", type_=ARRAY(String())),
    bindparam("since", type_=DateTime(timezone=True)),
    bindparam("span", type_=TSTZRANGE()),
)


def lock_keys(site_id: uuid.UUID, owner_id: str, pooled_groups: Iterable[uuid.UUID]) -> list[str]:
    """The advisory-lock keys of an owner's quotas, sorted: ``<site>/<owner>`` and
    ``<site>/group:<id>`` per group of the owner with a total quota."""
    keys = {f"{site_id}/{owner_id}"} | {f"{site_id}/group:{g}" for g in pooled_groups}
    return sorted(keys)


async def prepare_quotas(
    session: AsyncSession,
    *,
    site_id: uuid.UUID,
    owner_id: str,
    resource_type_id: uuid.UUID,
    owner_is_site_admin: bool,
) -> list[EffectiveQuota]:
    """The quotas that bind ``owner_id`` on this type (:func:`choose`). When any quota of the
    site can bind the owner (on any type, exempt or not), first takes the keys of
    :func:`lock_keys`, so the set and order of locks never depends on the type booked."""
    rows = await _lock(session, site_id=site_id, owner_id=owner_id)
    if not rows:
        return []
    chosen = choose(
        rows,
        owner_id=owner_id,
        group_ids={r.group_id for r in rows if r.group_id is not None},
        type_id=resource_type_id,
        owner_is_site_admin=owner_is_site_admin,
    )
    return [effective(row, group_name=row.group_name) for row in chosen]


async def _lock(session: AsyncSession, *, site_id: uuid.UUID, owner_id: str) -> list[Any]:
    rows = (await session.execute(_QUOTAS, {"site_id": site_id, "owner_id": owner_id})).all()
    if rows:
        pooled = {r.group_id for r in rows if r.group_scope == GroupScope.TOTAL.value}
        await session.execute(_LOCK, {"keys": lock_keys(site_id, owner_id, pooled)})
    return list(rows)


async def lock_quotas_of(session: AsyncSession, owners: Iterable[tuple[uuid.UUID, str]]) -> None:
    """Take the quota locks of several owners at once, all keys in one order: for a pass that
    books for several members in one transaction (the waitlist), before its first booking, so
    no member's quota lock is taken after a resource lock there either."""
    keys: set[str] = set()
    for site_id, owner_id in sorted(set(owners)):
        rows = (await session.execute(_QUOTAS, {"site_id": site_id, "owner_id": owner_id})).all()
        if rows:
            pooled = {r.group_id for r in rows if r.group_scope == GroupScope.TOTAL.value}
            keys.update(lock_keys(site_id, owner_id, pooled))
    if keys:
        await session.execute(_LOCK, {"keys": sorted(keys)})


async def lock_quotas(session: AsyncSession, *, site_id: uuid.UUID, owner_id: str) -> None:
    """Take the owner's quota locks now (as :func:`prepare_quotas` would): for a path that
    locks resources before its first booking (a group booking claims its resources first), so
    quota locks still come before resource locks."""
    await _lock(session, site_id=site_id, owner_id=owner_id)


def effective(row: Any, *, group_name: str | None = None) -> EffectiveQuota:
    return EffectiveQuota(
        id=row.id,
        resource_type_id=row.resource_type_id,
        max_concurrent=row.max_concurrent,
        max_booked=row.max_booked,
        booked_window=QuotaWindow(row.booked_window) if row.booked_window else None,
        max_future=row.max_future,
        max_resources=row.max_resources,
        group_id=row.group_id,
        group_scope=GroupScope(row.group_scope) if row.group_scope else None,
        group_name=group_name,
    )


async def group_members(session: AsyncSession, group_id: uuid.UUID) -> list[str]:
    return list((await session.execute(_GROUP_MEMBERS, {"group_id": group_id})).scalars().all())


@dataclass(frozen=True, slots=True)
class Held:
    id: uuid.UUID
    start: datetime
    end: datetime
    status: str
    type_id: uuid.UUID
    resources: int


@dataclass(frozen=True, slots=True)
class Breach:
    quota: EffectiveQuota
    limit_name: str
    usage: float
    limit: float
    unit: str


async def load_usage(
    session: AsyncSession,
    *,
    site_id: uuid.UUID,
    owner_ids: list[str],
    since: datetime,
    span: Range[datetime],
) -> list[Held]:
    """The bookings of ``owner_ids`` (one member, or a group's members) that can count."""
    rows = await session.execute(
        _USAGE, {"site_id": site_id, "owner_ids": owner_ids, "since": since, "span": span}
    )
    return [
        Held(r.id, r.period.lower, r.period.upper, r.status, r.type_id, int(r.resources))
        for r in rows
    ]


def _peak(held: list[Held], start: datetime, end: datetime) -> tuple[int, int]:
    """Most bookings and most resources held at one instant of [start, end)."""
    edges: list[tuple[datetime, int, int]] = []
    for h in held:
        lo, hi = max(h.start, start), min(h.end, end)
        if lo < hi:
            edges.append((lo, 1, h.resources))
            edges.append((hi, -1, -h.resources))
    # Ends before starts at the same instant: half-open periods that touch do not overlap.
    edges.sort(key=lambda e: (e[0], e[1]))
    count = resources = peak_count = peak_resources = 0
    for _, dc, dr in edges:
        count, resources = count + dc, resources + dr
        peak_count, peak_resources = max(peak_count, count), max(peak_resources, resources)
    return peak_count, peak_resources


def _overlap(h: Held, lo: datetime, hi: datetime) -> timedelta:
    return max(timedelta(0), min(h.end, hi) - max(h.start, lo))


def peak_booked(held: list[Held], window: timedelta, start: datetime, end: datetime) -> timedelta:
    """The most time booked in any window of length ``window`` that meets [start, end).

    The booked time in a sliding window is piecewise linear in its position, so its maximum is
    reached where the window starts at a booking's start or ends at a booking's end.
    """
    candidates = {start, end - window}
    for h in held:
        candidates.update((h.start, h.end - window))
    best = timedelta(0)
    for t in candidates:
        if t < end and t + window > start:
            best = max(best, sum((_overlap(h, t, t + window) for h in held), timedelta(0)))
    return best


def breaches(
    quotas: list[EffectiveQuota],
    held: list[Held],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Breach]:
    """What a booking over [start, end) breaks, ``held`` already counting it."""
    found: list[Breach] = []
    for q in quotas:
        scoped = [h for h in held if q.resource_type_id is None or h.type_id == q.resource_type_id]
        live = [h for h in scoped if h.status in HOLDING]
        if q.max_future is not None:
            future = sum(1 for h in live if h.start > now)
            if start > now and future > q.max_future:
                found.append(Breach(q, "max_future", future, q.max_future, "reservations"))
        if q.max_concurrent is not None or q.max_resources is not None:
            count, resources = _peak(live, start, end)
            if q.max_concurrent is not None and count > q.max_concurrent:
                found.append(Breach(q, "max_concurrent", count, q.max_concurrent, "reservations"))
            if q.max_resources is not None and resources > q.max_resources:
                found.append(Breach(q, "max_resources", resources, q.max_resources, "resources"))
        window = q.window
        if q.max_booked is not None and window is not None:
            counted = [h for h in scoped if h.status in COUNTED_HOURS]
            booked = peak_booked(counted, window, start, end)
            if booked > q.max_booked:
                found.append(
                    Breach(
                        q,
                        f"max_booked_per_{q.booked_window}",
                        round(booked.total_seconds() / 3600, 2),
                        round(q.max_booked.total_seconds() / 3600, 2),
                        "hours",
                    )
                )
    return found


async def enforce_quotas(
    session: AsyncSession,
    quotas: list[EffectiveQuota],
    reservation: Reservation,
    *,
    now: datetime,
) -> None:
    """Refuse (409 ``quota-exceeded``) a booking whose slots are written and that breaks one of
    ``quotas`` (from :func:`prepare_quotas`, whose locks order this count after any other that
    counts the same bookings). The owner's own quotas count the owner's bookings; a group's
    total counts the bookings of every member of the group."""
    if not quotas:
        return
    start, end = reservation.period.lower, reservation.period.upper
    assert start is not None and end is not None
    counted: dict[uuid.UUID | None, list[EffectiveQuota]] = {}
    for q in quotas:
        counted.setdefault(q.group_id if q.pooled else None, []).append(q)
    found: list[Breach] = []
    for group_id, bound in counted.items():
        owners = (
            [reservation.owner_id] if group_id is None else await group_members(session, group_id)
        )
        reach = max((q.window for q in bound if q.window is not None), default=timedelta(0))
        held = await load_usage(
            session,
            site_id=reservation.site_id,
            owner_ids=owners,
            since=min(now, start - reach),
            span=Range(start - reach, end + reach, bounds="[)"),
        )
        found += breaches(bound, held, start=start, end=end, now=now)
    if not found:
        return
    first = found[0]
    whose = f" of group {first.quota.group_name!r}" if first.quota.pooled else ""
    raise QuotaExceeded(
        f"Quota {first.limit_name}{whose}: {first.usage:g} {first.unit} with this booking, "
        f"the limit is {first.limit:g}.",
        extra={
            "quota": quota_ref(first.quota) | {"limit_name": first.limit_name},
            "usage": first.usage,
            "limit": first.limit,
            "unit": first.unit,
            "breaches": [
                {
                    "quota_id": str(b.quota.id),
                    "limit_name": b.limit_name,
                    "usage": b.usage,
                    "limit": b.limit,
                    "unit": b.unit,
                    **({"group_id": str(b.quota.group_id)} if b.quota.group_id else {}),
                }
                for b in found
            ],
        },
    )


def quota_ref(q: EffectiveQuota) -> dict[str, Any]:
    """How a refusal names a quota: its id, and for a group's quota the group and scope."""
    ref: dict[str, Any] = {"id": str(q.id)}
    if q.group_id is not None and q.group_scope is not None:
        ref |= {
            "group_id": str(q.group_id),
            "group_name": q.group_name,
            "group_scope": q.group_scope.value,
        }
    return ref


# ---------------------------------------------------------------------------------------------
# Extensions


def check_extension(
    rtype: ResourceType,
    reservation: Reservation,
    *,
    new_end: datetime,
    now: datetime,
    may_override: bool,
) -> timedelta:
    """Refuse (422) an end later than the current one that breaks the type's extension rules;
    returns the reservation's new ``extended_by``. Shortening gives back what was extended.

    ``extension_window``: the end may move later only once it is at most this far away (so a
    booking is extended when it is known to be needed, not booked long in advance);
    ``max_extension``: at most this much later than first booked, in total. Site admins
    (``may_override``) are not bound by either.
    """
    old_end = reservation.period.upper
    assert old_end is not None
    delta = new_end - old_end
    extended = max(timedelta(0), (reservation.extended_by or timedelta(0)) + delta)
    if delta <= timedelta(0) or may_override:
        return extended
    errors: list[FieldError] = []
    window = rtype.extension_window
    if window is not None and old_end - now > window:
        errors.append(
            FieldError(
                loc=["body", "end"],
                msg=f"may be extended only within {_human(window)} before the current end",
                type="extension_window",
            )
        )
    if rtype.max_extension is not None and extended > rtype.max_extension:
        errors.append(
            FieldError(
                loc=["body", "end"],
                msg=f"may be extended by at most {_human(rtype.max_extension)} in total",
                type="max_extension",
            )
        )
    if errors:
        raise ExtensionRefused(
            f"{rtype.name}: " + "; ".join(e.msg for e in errors) + ".", errors=errors
        )
    return extended


# ---------------------------------------------------------------------------------------------
# Check-in


CHECK_IN_EARLY = timedelta(minutes=15)


def check_in_allowed(reservation: Reservation, *, actor_id: str, now: datetime) -> None:
    """Only the owner checks in (403 otherwise), from 15 minutes before the start until the end
    of a confirmed or active booking (409 otherwise)."""
    if reservation.owner_id != actor_id:
        raise Forbidden("Only the owner of a reservation can check in.")
    check_in_window(reservation, now=now)


def check_in_window(reservation: Reservation, *, now: datetime) -> None:
    """When a check-in counts, whoever says it (the owner, or the integration serving the
    booking that saw the owner use it): 409 outside the window or the live states."""
    start, end = reservation.period.lower, reservation.period.upper
    assert start is not None and end is not None
    if reservation.status not in (S.CONFIRMED.value, S.ACTIVE.value):
        raise CheckInRefused(f"A {reservation.status} reservation cannot be checked in.")
    if now < start - CHECK_IN_EARLY:
        raise CheckInRefused("Check-in opens 15 minutes before the start.")
    if now >= end:
        raise CheckInRefused("The reservation is over.")


# ---------------------------------------------------------------------------------------------
# Provisioning failure


def failure_releases_slots(rtype: ResourceType) -> bool:
    """``release``: a failed booking frees its period at once; ``keep``: the slots stay until
    the end, so the resource is left alone for investigation."""
    return rtype.on_provisioning_failure != "keep"


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"
