from __future__ import annotations

from datetime import timedelta

from reservation_db.models import Blackout, MemberGroup, MemberGroupMember, Quota, WaitlistEntry
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.ext.asyncio import AsyncSession

from tests.matrix import Case, World, any_user, expect, site_admins, site_members
from tests.reservations.matrix_world import START, booking_rows

_FAR = START + timedelta(days=10)


async def fair_use_rows(world: World, session: AsyncSession) -> dict[str, str]:
    ids = await booking_rows(world, session)
    quota = Quota(site_id=world.site_a.id, max_concurrent=5)
    blackout = Blackout(
        site_id=world.site_a.id,
        resource_id=None,
        scope="site",
        policy="refuse",
        reason="matrix",
        period=Range(_FAR + timedelta(days=5), _FAR + timedelta(days=6), bounds="[)"),
        created_by=world.ids["alice"],
    )
    period = Range(START, START + timedelta(hours=1), bounds="[)")
    waiting = WaitlistEntry(
        site_id=world.site_a.id, resource_id=ids["leaf"], user_id=world.ids["bob"],
        title="matrix", period=period, expires_at=START,
    )  # fmt: skip
    booked = WaitlistEntry(
        site_id=world.site_a.id, resource_id=ids["leaf"], user_id=world.ids["bob"],
        title="matrix", period=period, expires_at=START, status="booked",
        reservation_id=ids["own_reservation"], confirm_by=START,
    )  # fmt: skip
    group = MemberGroup(site_id=world.site_a.id, name="matrix")
    session.add_all([quota, blackout, waiting, booked, group])
    await session.flush()
    session.add(MemberGroupMember(group_id=group.id, user_id=world.ids["bob"]))
    await session.commit()
    return {
        "group": str(group.id),
        **ids,
        "quota": str(quota.id),
        "blackout": str(blackout.id),
        "waiting": str(waiting.id),
        "booked_entry": str(booked.id),
    }


def _blackout(values: dict[str, str]) -> dict[str, str]:
    return {
        "resource_id": values["leaf"],
        "scope": "subtree",
        "reason": "matrix",
        "start": _FAR.isoformat(),
        "end": (_FAR + timedelta(hours=2)).isoformat(),
    }


def _extend(values: dict[str, str]) -> dict[str, str]:
    return {"end": (START + timedelta(hours=3, minutes=30)).isoformat()}


def _extend_other(values: dict[str, str]) -> dict[str, str]:
    return {"end": (START + timedelta(hours=1, minutes=30)).isoformat()}


CASES = [
    Case("quotas-list", "GET", "/api/v1/sites/{site}/quotas", site_members(200)),
    Case(
        "quotas-create",
        "POST",
        "/api/v1/sites/{site}/quotas",
        site_admins(201),
        body={"max_future": 3},
    ),
    Case(
        "quota-delete",
        "DELETE",
        "/api/v1/quotas/{quota}",
        site_admins(204),
        prepare=fair_use_rows,
    ),
    Case(
        "quotas-create-group",
        "POST",
        "/api/v1/sites/{site}/quotas",
        site_admins(201),
        body=lambda v: {"group_id": v["group"], "group_scope": "total", "max_future": 3},
        prepare=fair_use_rows,
    ),
    Case(
        "member-groups-list",
        "GET",
        "/api/v1/sites/{site}/member-groups",
        site_admins(200),
        prepare=fair_use_rows,
    ),
    Case(
        "member-groups-create",
        "POST",
        "/api/v1/sites/{site}/member-groups",
        site_admins(201),
        body=lambda v: {"name": "created", "members": [v["bob"]]},
        prepare=fair_use_rows,
    ),
    Case(
        "member-group-read",
        "GET",
        "/api/v1/member-groups/{group}",
        site_admins(200),
        prepare=fair_use_rows,
    ),
    Case(
        "member-group-members",
        "PUT",
        "/api/v1/member-groups/{group}/members",
        site_admins(200),
        body=lambda v: {"members": []},
        prepare=fair_use_rows,
    ),
    Case(
        "member-group-delete",
        "DELETE",
        "/api/v1/member-groups/{group}",
        site_admins(204),
        prepare=fair_use_rows,
    ),
    Case("me-usage", "GET", "/api/v1/me/usage", any_user(200)),
    Case("site-usage", "GET", "/api/v1/sites/{site}/usage", site_admins(200)),
    Case("site-usage-export", "GET", "/api/v1/sites/{site}/usage/export", site_admins(200)),
    Case("blackouts-list", "GET", "/api/v1/sites/{site}/blackouts", site_members(200)),
    Case(
        "blackouts-create",
        "POST",
        "/api/v1/sites/{site}/blackouts",
        site_admins(201),
        body=_blackout,
        prepare=fair_use_rows,
    ),
    Case(
        "blackout-delete",
        "DELETE",
        "/api/v1/blackouts/{blackout}",
        site_admins(204),
        prepare=fair_use_rows,
    ),
    Case(
        "reservation-extend-own",
        "POST",
        "/api/v1/reservations/{own_reservation}/extend",
        site_members(200),
        body=_extend,
        prepare=fair_use_rows,
    ),
    Case(
        "reservation-extend-another",
        "POST",
        "/api/v1/reservations/{reservation}/extend",
        site_admins(200),
        body=_extend_other,
        prepare=fair_use_rows,
    ),
    Case(
        "reservation-release-own",
        "POST",
        "/api/v1/reservations/{active_approved}/release",
        site_members(200),
        prepare=fair_use_rows,
        returns={"status": "completed"},
    ),
    # Only the owner checks in: nobody says for them that they are there.
    Case(
        "reservation-check-in-own",
        "POST",
        "/api/v1/reservations/{active_approved}/check-in",
        expect(outsider=404, member=200, site_admin=403, platform_admin=403),
        prepare=fair_use_rows,
    ),
    Case(
        "waitlist-join",
        "POST",
        "/api/v1/resources/{leaf}/waitlist",
        site_members(201),
        body=lambda v: {
            "title": "matrix",
            "start": START.isoformat(),
            "end": (START + timedelta(hours=1)).isoformat(),
        },
        prepare=booking_rows,
    ),
    Case("me-waitlist", "GET", "/api/v1/me/waitlist", any_user(200)),
    Case(
        "waitlist-leave-own",
        "DELETE",
        "/api/v1/waitlist/{waiting}",
        site_members(204),
        prepare=fair_use_rows,
    ),
    Case(
        "waitlist-confirm-own",
        "POST",
        "/api/v1/waitlist/{booked_entry}/confirm",
        expect(outsider=404, member=200, site_admin=403, platform_admin=403),
        prepare=fair_use_rows,
        returns={"status": "confirmed"},
    ),
]
