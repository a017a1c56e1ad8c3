"""Every query on resources, including the hierarchy (recursive CTEs)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from sqlalchemy import CTE, Select, Text, bindparam, cast, func, literal, or_, select, text
from sqlalchemy.dialects.postgresql import UUID, array
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reservation_be.resources.schemas import ResourceSort

_SORTS: dict[ResourceSort, Any] = {
    ResourceSort.NAME: (Resource.name.asc(), Resource.id),
    ResourceSort.NAME_DESC: (Resource.name.desc(), Resource.id),
    ResourceSort.CREATED: (Resource.created_at.asc(), Resource.id),
    ResourceSort.CREATED_DESC: (Resource.created_at.desc(), Resource.id),
    ResourceSort.STATUS: (Resource.status.asc(), Resource.name, Resource.id),
    ResourceSort.LOCATION: (Resource.location.asc(), Resource.name, Resource.id),
}


async def get(session: AsyncSession, resource_id: uuid.UUID) -> Resource | None:
    return await session.get(Resource, resource_id)


async def get_for_share(session: AsyncSession, resource_id: uuid.UUID) -> Resource | None:
    """Read the resource's latest committed row and hold it against hierarchy changes.

    Hierarchy changes give the rows they rely on a new version with a no-op update
    (:func:`lock_path`), whose lock conflicts with ``FOR SHARE``: a change to the booked
    subtree and whatever follows this read cannot interleave.
    """
    stmt = (
        select(Resource)
        .where(Resource.id == resource_id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_for_update(session: AsyncSession, resource_id: uuid.UUID) -> Resource | None:
    stmt = (
        select(Resource)
        .where(Resource.id == resource_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


def search_statement(
    site_id: uuid.UUID,
    *,
    q: str | None = None,
    type_id: uuid.UUID | None = None,
    status: Sequence[str] | None = None,
    parent_id: uuid.UUID | None = None,
    roots_only: bool = False,
    attributes: dict[str, Any] | None = None,
    sort: ResourceSort = ResourceSort.NAME,
) -> Select[Resource]:
    stmt = select(Resource).where(Resource.site_id == site_id)
    if q:
        stmt = stmt.where(
            or_(
                Resource.name.icontains(q, autoescape=True),
                Resource.description.icontains(q, autoescape=True),
                Resource.location.icontains(q, autoescape=True),
            )
        )
    if type_id is not None:
        stmt = stmt.where(Resource.type_id == type_id)
    if status:
        stmt = stmt.where(Resource.status.in_(list(status)))
    if parent_id is not None:
        stmt = stmt.where(Resource.parent_id == parent_id)
    if roots_only:
        stmt = stmt.where(Resource.parent_id.is_(None))
    if attributes:
        stmt = stmt.where(Resource.attributes.contains(attributes))
    return stmt.order_by(*_SORTS[sort])


async def list_site(session: AsyncSession, site_id: uuid.UUID) -> list[Resource]:
    rows = await session.execute(
        select(Resource).where(Resource.site_id == site_id).order_by(Resource.name)
    )
    return list(rows.scalars().all())


async def by_names(session: AsyncSession, site_id: uuid.UUID, names: set[str]) -> list[Resource]:
    if not names:
        return []
    rows = await session.execute(
        select(Resource).where(Resource.site_id == site_id, Resource.name.in_(names))
    )
    return list(rows.scalars().all())


async def types_by_name(session: AsyncSession, site_id: uuid.UUID) -> dict[str, ResourceType]:
    rows = await session.execute(select(ResourceType).where(ResourceType.site_id == site_id))
    return {t.name: t for t in rows.scalars().all()}


MAX_DEPTH = 64


def _subtree_cte() -> CTE:
    root = select(
        Resource.id.label("id"),
        literal(0).label("depth"),
        array([cast(Resource.name, Text)]).label("sort_path"),
    ).where(Resource.id == bindparam("subtree_root", type_=UUID(as_uuid=True)))
    cte = root.cte("subtree", recursive=True)
    child = aliased(Resource, name="child")
    return cte.union_all(
        select(child.id, cte.c.depth + 1, cte.c.sort_path.op("||")(cast(child.name, Text)))
        .join(cte, child.parent_id == cte.c.id)
        .where(cte.c.depth < MAX_DEPTH)
    )


def _path_cte() -> CTE:
    start = select(
        Resource.id.label("id"),
        Resource.parent_id.label("parent_id"),
        Resource.name.label("name"),
        literal(0).label("depth"),
    ).where(Resource.id == bindparam("path_start", type_=UUID(as_uuid=True)))
    cte = start.cte("path", recursive=True)
    parent = aliased(Resource, name="parent")
    return cte.union_all(
        select(parent.id, parent.parent_id, parent.name, cte.c.depth + 1)
        .join(cte, parent.id == cte.c.parent_id)
        .where(cte.c.depth < MAX_DEPTH)
    )


# Built once (building a recursive CTE costs milliseconds); statements using them take the
# root as a parameter: ``{"subtree_root": id}`` or ``{"path_start": id}``.
SUBTREE = _subtree_cte()
"""``(id, depth, sort_path)`` of ``subtree_root`` and every descendant."""
PATH = _path_cte()
"""``(id, parent_id, name, depth)`` of ``path_start`` (depth 0) and its ancestors (1, 2, ...)."""

SUBTREE_SQL = f"""subtree(id, depth) AS (
    SELECT id, 0 FROM resources WHERE id = :subtree_root
    UNION ALL
    SELECT c.id, s.depth + 1 FROM resources c JOIN subtree s ON c.parent_id = s.id
    WHERE s.depth < {MAX_DEPTH}
)"""  # noqa: S608 (constant text, no input)
"""``SUBTREE`` for statements written in SQL, after ``WITH RECURSIVE``: ``subtree(id, depth)``."""

_SUBTREE_COUNT = select(func.count()).select_from(SUBTREE)
_SUBTREE_PAGE = (
    select(Resource, SUBTREE.c.depth)
    .join(SUBTREE, SUBTREE.c.id == Resource.id)
    .order_by(SUBTREE.c.sort_path)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)
_SUBTREE_IDS = select(SUBTREE.c.id)
_ANCESTORS = select(PATH.c.id, PATH.c.name).where(PATH.c.depth > 0).order_by(PATH.c.depth.desc())
_PATH_IDS = select(PATH.c.id).order_by(PATH.c.depth.desc())
_IN_SUBTREE = select(SUBTREE.c.id).where(SUBTREE.c.id == bindparam("candidate"))
_SUBTREE_HEIGHT = select(func.max(SUBTREE.c.depth))


async def subtree(
    session: AsyncSession, root_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[tuple[Resource, int]], int]:
    """The root and all its descendants, depth-first by name; one page of them and the total."""
    total = (await session.execute(_SUBTREE_COUNT, {"subtree_root": root_id})).scalar_one()
    rows = (
        await session.execute(
            _SUBTREE_PAGE, {"subtree_root": root_id, "limit": limit, "offset": offset}
        )
    ).all()
    return [(row[0], int(row[1])) for row in rows], int(total)


async def subtree_ids(session: AsyncSession, root_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.execute(_SUBTREE_IDS, {"subtree_root": root_id})
    return list(rows.scalars().all())


async def ancestors(session: AsyncSession, resource_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """(id, name) of the ancestors from the root down to the direct parent."""
    rows = await session.execute(_ANCESTORS, {"path_start": resource_id})
    return [(row.id, row.name) for row in rows]


async def lock_path(session: AsyncSession, resource_id: uuid.UUID) -> list[uuid.UUID]:
    """Lock ``resource_id`` and its ancestors, root first, against concurrent bookings, and
    give each row a new version.

    A booking's write takes its resource row ``FOR SHARE`` and books only while the row is the
    version its read saw (``reservations/booking.py``, ``guard``). The no-op update locks like
    ``FOR NO KEY UPDATE``, which conflicts with that share lock (but not with the foreign-key
    checks of slot inserts), and the new version makes a booking that read the row before this
    change refuse itself instead of booking the subtree it saw: the write computes the subtree
    from the snapshot its statement started with, which a change committed while it waited
    for the lock is not in. Root-first order avoids lock cycles between two hierarchy changes.
    """
    ids = list((await session.execute(_PATH_IDS, {"path_start": resource_id})).scalars().all())
    for rid in ids:
        await session.execute(_NEW_VERSION, {"id": rid})
    return ids


# Sets no key column, so it takes the lock FOR NO KEY UPDATE would.
_NEW_VERSION = text("UPDATE resources SET status = status WHERE id = :id")


async def subtree_height(session: AsyncSession, root_id: uuid.UUID) -> int:
    """How many levels lie below ``root_id`` (0 for a leaf)."""
    height = await session.execute(_SUBTREE_HEIGHT, {"subtree_root": root_id})
    return int(height.scalar_one() or 0)


async def is_in_subtree(session: AsyncSession, root_id: uuid.UUID, candidate_id: uuid.UUID) -> bool:
    found = await session.execute(_IN_SUBTREE, {"subtree_root": root_id, "candidate": candidate_id})
    return found.first() is not None
