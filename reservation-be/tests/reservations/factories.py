"""Plain async factories for the booking tests: sites, members, types, resources."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from reservation_db.models import Site
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import add_member, create_site, ensure_user


async def make_type(session: AsyncSession, site: Site, **fields: Any) -> ResourceType:
    rtype = ResourceType(site_id=site.id, name=fields.pop("name", f"type-{uuid.uuid4().hex[:6]}"))
    for key, value in fields.items():
        setattr(rtype, key, value)
    session.add(rtype)
    await session.flush()
    await session.refresh(rtype)
    return rtype


async def make_resource(
    session: AsyncSession,
    site: Site,
    rtype: ResourceType,
    *,
    name: str | None = None,
    parent: Resource | None = None,
    **fields: Any,
) -> Resource:
    resource = Resource(
        site_id=site.id,
        type_id=rtype.id,
        parent_id=parent.id if parent else None,
        name=name or f"res-{uuid.uuid4().hex[:6]}",
        **fields,
    )
    session.add(resource)
    await session.flush()
    await session.refresh(resource)
    return resource


@dataclass
class Lab:
    """A public site: alice site-admin, bob member; carol is a member of another site."""

    site: Site
    other_site: Site
    rtype: ResourceType
    rack: Resource
    server1: Resource
    server2: Resource


async def make_lab(session: AsyncSession, people: dict[str, str], **type_fields: Any) -> Lab:
    site = await create_site(session, slug=f"lab-{uuid.uuid4().hex[:6]}", commit=False)
    other = await create_site(session, slug=f"other-{uuid.uuid4().hex[:6]}", commit=False)
    await add_member(session, site, people["alice"], "site-admin", username="alice", commit=False)
    await add_member(session, site, people["bob"], "member", username="bob", commit=False)
    await add_member(session, other, people["carol"], "site-admin", username="carol", commit=False)
    await ensure_user(session, people["admin"], "admin", commit=False)
    rtype = await make_type(session, site, name="server", **type_fields)
    rack = await make_resource(session, site, rtype, name="rack-a")
    server1 = await make_resource(session, site, rtype, name="server-1", parent=rack)
    server2 = await make_resource(session, site, rtype, name="server-2", parent=rack)
    await session.commit()
    return Lab(site, other, rtype, rack, server1, server2)


def hours_from_now(hours: float, *, base: datetime | None = None) -> datetime:
    base = base or datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    return base + timedelta(hours=hours)


def iso(value: datetime) -> str:
    return value.isoformat()


def booking(
    resource: Resource | None, start: datetime, end: datetime, **extra: Any
) -> dict[str, Any]:
    return {
        "resource_id": str(resource.id) if resource is not None else None,
        "title": extra.pop("title", "Test booking"),
        "start": iso(start),
        "end": iso(end),
        **extra,
    }


async def racers_headers(
    session: AsyncSession, lab: Lab, test_realm: Any, auth: Any, clients: int
) -> list[dict[str, str]]:
    """Auth headers for ``clients`` racing clients, spread over eight members of the lab's site
    (so a per-principal limit or cache never decides a race)."""
    users = []
    for i in range(8):
        name = f"racer{i}"
        try:
            user_id = test_realm.user_id(name)
        except KeyError:
            user_id = test_realm.create_user(name)
        await add_member(session, lab.site, user_id, username=name, commit=False)
        users.append(name)
    await session.commit()
    return [await auth(users[i % len(users)]) for i in range(clients)]
