"""Resources: the bookable tree of a site.

Hierarchy changes (a new child, a move) keep the slots true: a subtree placed under a booked
parent inherits the parent's current and future slots, and a subtree moved away forgets the
slots of reservations made above it. Both run after locking the affected ancestor paths, which
bookings hold ``FOR SHARE`` (see ``resources.repository.lock_path``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from reservation_common.events import (
    AncestorRef,
    EventType,
    ResourceData,
    ResourceEventData,
    ResourceTypeRef,
    SiteRef,
    make_event,
)
from reservation_db.models import Site, SiteRole
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit import audit, outbox
from reservation_be.kit.errors import Conflict, FieldError, NotFound, UnprocessableEntity
from reservation_be.kit.pagination import PaginationParams, paginate
from reservation_be.kit.request_context import current_request_id
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations import repository as reservations_repository
from reservation_be.reservations.db_errors import (
    DEADLOCK_DETECTED,
    EXCLUSION_VIOLATION,
    FOREIGN_KEY_VIOLATION,
    UNIQUE_VIOLATION,
    constraint_name,
    sqlstate,
)
from reservation_be.resources import availability, capacity, csv_io, repository
from reservation_be.resources.schemas import (
    BusyPeriod,
    FreeUnits,
    FreeUnitsSpan,
    ResourceCreate,
    ResourceRead,
    ResourceSort,
    ResourceUpdate,
)

ENTITY = "resource"
MAX_BUSY_WINDOW = timedelta(days=366)


class ResourceNotFound(NotFound):
    slug, title = "resource-not-found", "Resource not found"


class ResourceNameTaken(Conflict):
    slug, title = "resource-name-taken", "Resource name already used"


class ResourceInUse(Conflict):
    slug, title = "resource-in-use", "Resource in use"


class HierarchyCycle(UnprocessableEntity):
    slug, title = "hierarchy-cycle", "The move would make a cycle"


class HierarchyTooDeep(UnprocessableEntity):
    slug, title = "hierarchy-too-deep", "The hierarchy would be too deep"


def _check_depth(depth: int) -> None:
    """``depth``: how far below its root the deepest resource of the change would be."""
    if depth > repository.MAX_DEPTH:
        raise HierarchyTooDeep(
            f"A resource can be at most {repository.MAX_DEPTH} levels below its root.",
            errors=_field("parent_id", f"more than {repository.MAX_DEPTH} levels deep"),
        )


class PlacementConflict(Conflict):
    slug, title = "placement-conflict", "The new parent is booked when the subtree is"


def _field(loc: str, msg: str, type_: str = "value_error") -> list[FieldError]:
    return [FieldError(loc=["body", loc], msg=msg, type=type_)]


async def _context_for(
    session: AsyncSession, actor: Actor, resource_id: uuid.UUID, action: Action
) -> tuple[Resource, SiteContext]:
    resource = await repository.get(session, resource_id)
    not_found = ResourceNotFound(f"No resource {resource_id}.")
    if resource is None:
        raise not_found
    ctx = await policy.authorize_object(
        session, actor, resource.site_id, action, not_found=not_found
    )
    return resource, ctx


async def resource_data(session: AsyncSession, resource: Resource) -> ResourceData:
    """The resource as events carry it: its type and the path of its ancestors."""
    rtype = await session.get(ResourceType, resource.type_id)
    assert rtype is not None
    path = await repository.ancestors(session, resource.id)
    return ResourceData(
        id=resource.id,
        name=resource.name,
        status=resource.status,
        type=ResourceTypeRef(id=rtype.id, name=rtype.name),
        attributes=resource.attributes,
        path=[AncestorRef(id=i, name=n) for i, n in path],
    )


def site_ref(site: Site) -> SiteRef:
    return SiteRef(id=site.id, slug=site.slug, name=site.name)


async def _emit(
    session: AsyncSession,
    ctx: SiteContext,
    type_: EventType,
    resource: Resource,
    *,
    previous_status: str | None = None,
    data: ResourceData | None = None,
) -> None:
    payload = ResourceEventData(
        resource=data or await resource_data(session, resource),
        site=site_ref(ctx.site),
        previous_status=previous_status,
        request_id=current_request_id(),
    )
    await outbox.enqueue(session, make_event(type_, payload))


def _integrity_to_problem(exc: IntegrityError, *, name: str | None) -> Exception:
    state, constraint = sqlstate(exc), constraint_name(exc) or ""
    if state == UNIQUE_VIOLATION:
        return ResourceNameTaken(f"This site already has a resource named {name!r}.")
    if state == FOREIGN_KEY_VIOLATION and "type" in constraint:
        return UnprocessableEntity(
            "type_id does not name a resource type of this site.",
            errors=_field("type_id", "unknown resource type in this site"),
        )
    if state == FOREIGN_KEY_VIOLATION and "parent" in constraint:
        return UnprocessableEntity(
            "parent_id does not name a resource of this site.",
            errors=_field("parent_id", "unknown resource in this site"),
        )
    return exc


async def _place_under(
    session: AsyncSession, resource: Resource, parent_id: uuid.UUID, *, now: datetime
) -> None:
    """Copy the parent's holds onto ``resource``'s subtree; 409 if one collides."""
    try:
        async with session.begin_nested():
            await reservations_repository.inherit_slots(
                session, parent_id=parent_id, subtree_root=resource.id, now=now
            )
    except IntegrityError as exc:
        if sqlstate(exc) != EXCLUSION_VIOLATION:
            raise
        pair = await reservations_repository.find_placement_conflict(
            session, parent_id=parent_id, subtree_root=resource.id, now=now
        )
        detail = "A reservation above the new parent overlaps one inside this subtree."
        extra: dict[str, Any] = {}
        if pair is not None:
            above, below = pair
            extra = {
                "conflicting_reservations": [
                    {"id": str(r.id), "start": r.period.lower.isoformat(),
                     "end": r.period.upper.isoformat()}
                    for r in (above, below)
                    if r.period.lower is not None and r.period.upper is not None
                ]
            }  # fmt: skip
            detail = (
                f"Reservation {above.id} above the new parent overlaps reservation {below.id} "
                "inside this subtree."
            )
        raise PlacementConflict(detail, extra=extra) from exc


async def _lock_parent(session: AsyncSession, site_id: uuid.UUID, parent_id: uuid.UUID) -> int:
    """Lock the parent's path; return the depth a child of it has."""
    path = await repository.lock_path(session, parent_id)
    parent = await repository.get(session, parent_id)
    if not path or parent is None or parent.site_id != site_id:
        raise UnprocessableEntity(
            "parent_id does not name a resource of this site.",
            errors=_field("parent_id", "unknown resource in this site"),
        )
    return len(path)


async def create(
    session: AsyncSession, actor: Actor, site: uuid.UUID | str, body: ResourceCreate
) -> Resource:
    ctx = await policy.authorize(session, actor, site, Action.RESOURCE_WRITE)
    return await _create(session, actor, ctx, body)


async def _create(
    session: AsyncSession, actor: Actor, ctx: SiteContext, body: ResourceCreate
) -> Resource:
    if body.parent_id is not None:
        _check_depth(await _lock_parent(session, ctx.site_id, body.parent_id))
    resource = Resource(site_id=ctx.site_id, **body.model_dump())
    resource.status = body.status.value
    session.add(resource)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise _integrity_to_problem(exc, name=body.name) from exc
    await session.refresh(resource)
    if body.parent_id is not None:
        await _place_under(session, resource, body.parent_id, now=datetime.now(UTC))
    await audit.record(
        session, actor, ctx.site_id, ENTITY, resource.id, "created",
        after=ResourceRead.model_validate(resource),
    )  # fmt: skip
    await _emit(session, ctx, EventType.RESOURCE_CREATED, resource)
    return resource


async def get(session: AsyncSession, actor: Actor, resource_id: uuid.UUID) -> Resource:
    resource, _ = await _context_for(session, actor, resource_id, Action.RESOURCE_READ)
    return resource


async def search(
    session: AsyncSession,
    actor: Actor,
    site: uuid.UUID | str,
    *,
    pagination: PaginationParams,
    q: str | None = None,
    type_id: uuid.UUID | None = None,
    status: list[str] | None = None,
    parent_id: uuid.UUID | None = None,
    roots_only: bool = False,
    attributes: dict[str, Any] | None = None,
    sort: ResourceSort = ResourceSort.NAME,
) -> tuple[list[Resource], int]:
    ctx = await policy.authorize(session, actor, site, Action.RESOURCE_READ)
    stmt = repository.search_statement(
        ctx.site_id,
        q=q,
        type_id=type_id,
        status=status,
        parent_id=parent_id,
        roots_only=roots_only,
        attributes=attributes,
        sort=sort,
    )
    return await paginate(session, stmt, pagination)


async def subtree(
    session: AsyncSession, actor: Actor, resource_id: uuid.UUID, *, pagination: PaginationParams
) -> tuple[list[tuple[Resource, int]], int]:
    await _context_for(session, actor, resource_id, Action.RESOURCE_READ)
    return await repository.subtree(
        session, resource_id, limit=pagination.size, offset=pagination.offset
    )


async def _lock_move(
    session: AsyncSession, ctx: SiteContext, resource: Resource, new_parent: uuid.UUID | None
) -> None:
    """Lock the old and new ancestor paths before reading the tree, so the cycle check and the
    slot copy see the hierarchy as it is when this change commits."""
    if resource.parent_id is not None:
        await repository.lock_path(session, resource.parent_id)
    if new_parent is not None:
        depth = await _lock_parent(session, ctx.site_id, new_parent)
        if await repository.is_in_subtree(session, resource.id, new_parent):
            raise HierarchyCycle(
                "The new parent is this resource or one of its descendants.",
                errors=_field("parent_id", "would make a cycle"),
            )
        _check_depth(depth + await repository.subtree_height(session, resource.id))


async def update(
    session: AsyncSession, actor: Actor, resource_id: uuid.UUID, body: ResourceUpdate
) -> Resource:
    resource, ctx = await _context_for(session, actor, resource_id, Action.RESOURCE_WRITE)
    changes = body.model_dump(exclude_unset=True)
    for name in ("type_id", "name", "description", "location", "attributes", "status"):
        if name in changes and changes[name] is None:
            raise UnprocessableEntity(f"{name} cannot be null.", errors=_field(name, "null"))
    # The row first, so the parent it names is the one this change replaces.
    resource = await repository.get_for_update(session, resource_id) or resource
    moving = "parent_id" in changes and changes["parent_id"] != resource.parent_id
    now = datetime.now(UTC)
    if moving:
        try:
            await _lock_move(session, ctx, resource, changes["parent_id"])
        except DBAPIError as exc:
            if sqlstate(exc) != DEADLOCK_DETECTED:
                raise
            raise Conflict(
                "Another change of the same part of the tree ran at once; retry."
            ) from exc
    if "capacity" in changes and changes["capacity"] != resource.capacity:
        await capacity.check_change(session, [resource.id])
    before = ResourceRead.model_validate(resource)
    previous_status = resource.status
    for key, value in changes.items():
        setattr(resource, key, value.value if key == "status" and value is not None else value)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise _integrity_to_problem(exc, name=changes.get("name")) from exc
    await session.refresh(resource)
    if moving:
        await reservations_repository.drop_inherited_slots(session, resource.id, now=now)
        if resource.parent_id is not None:
            await _place_under(session, resource, resource.parent_id, now=now)
    after = ResourceRead.model_validate(resource)
    if after == before:
        return resource
    await audit.record(
        session, actor, ctx.site_id, ENTITY, resource.id, "updated", before=before, after=after
    )
    data = await resource_data(session, resource)
    await _emit(session, ctx, EventType.RESOURCE_UPDATED, resource, data=data)
    if resource.status != previous_status:
        await _emit(
            session,
            ctx,
            EventType.RESOURCE_STATUS_CHANGED,
            resource,
            previous_status=previous_status,
            data=data,
        )
    return resource


async def delete(session: AsyncSession, actor: Actor, resource_id: uuid.UUID) -> None:
    resource, ctx = await _context_for(session, actor, resource_id, Action.RESOURCE_WRITE)
    before = ResourceRead.model_validate(resource)
    data = await resource_data(session, resource)
    await session.delete(resource)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != FOREIGN_KEY_VIOLATION:
            raise
        raise ResourceInUse(
            "The resource has children or reservations; move or delete them first, "
            "or retire the resource instead."
        ) from exc
    await audit.record(session, actor, ctx.site_id, ENTITY, resource_id, "deleted", before=before)
    payload = ResourceEventData(
        resource=data, site=site_ref(ctx.site), request_id=current_request_id()
    )
    await outbox.enqueue(session, make_event(EventType.RESOURCE_DELETED, payload))


async def import_csv(
    session: AsyncSession, actor: Actor, site: uuid.UUID | str, raw: bytes
) -> list[Resource]:
    """Create every resource of the file, parents first, or none (422 listing each bad line)."""
    ctx = await policy.authorize(session, actor, site, Action.RESOURCE_WRITE)
    parsed = csv_io.parse(raw)
    types = await repository.types_by_name(session, ctx.site_id)
    wanted = parsed.names | {
        line.parent_name for line in parsed.lines if line.parent_name is not None
    }
    existing = {r.name: r for r in await repository.by_names(session, ctx.site_id, wanted)}
    ordered = csv_io.resolve(parsed, types=types, existing=existing)
    ids: dict[str, uuid.UUID] = {name: r.id for name, r in existing.items()}
    created: list[Resource] = []
    for line in ordered:
        body = ResourceCreate.model_validate(
            {
                **line.fields,
                "type_id": types[line.type_name].id,
                "parent_id": ids[line.parent_name] if line.parent_name else None,
            }
        )
        try:
            resource = await _create(session, actor, ctx, body)
        except (UnprocessableEntity, Conflict) as exc:
            raise csv_io.CsvImportError(
                f"line {line.number}: {exc.detail}",
                errors=[FieldError(loc=["body", "line", line.number], msg=str(exc), type="csv")],
            ) from exc
        ids[line.name] = resource.id
        created.append(resource)
    return created


async def export_csv(session: AsyncSession, actor: Actor, site: uuid.UUID | str) -> str:
    ctx = await policy.authorize(session, actor, site, Action.RESOURCE_READ)
    resources = await repository.list_site(session, ctx.site_id)
    types = await repository.types_by_name(session, ctx.site_id)
    names: dict[Any, str] = {r.id: r.name for r in resources}
    return csv_io.export(resources, types=types, names=names)


async def free_units(
    session: AsyncSession, actor: Actor, resource_id: uuid.UUID, *, start: datetime, end: datetime
) -> FreeUnits:
    """The units of the resource free over [start, end) (availability: whoever sees the site)."""
    await _context_for(session, actor, resource_id, Action.AVAILABILITY_READ)
    _check_window(start, end)
    capacity, spans = await availability.free_units(session, resource_id, start=start, end=end)
    return FreeUnits(
        resource_id=resource_id,
        capacity=capacity,
        spans=[FreeUnitsSpan(start=s, end=e, free=n) for s, e, n in spans],
    )


def _check_window(start: datetime, end: datetime) -> None:
    if end <= start:
        raise UnprocessableEntity(
            "end must be after start.",
            errors=[FieldError(loc=["query", "end"], msg="must be after start", type="period")],
        )
    if end - start > MAX_BUSY_WINDOW:
        raise UnprocessableEntity(
            "The window may span at most 366 days.",
            errors=[FieldError(loc=["query", "end"], msg="window too long", type="period")],
        )


async def busy(
    session: AsyncSession,
    actor: Actor,
    resource_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
    limit: int,
) -> list[BusyPeriod]:
    """When the resource is held (by its own bookings or those above it) within [start, end)."""
    if start < end <= start + MAX_BUSY_WINDOW:
        return await _busy(session, actor, resource_id, start=start, end=end, limit=limit)
    # A window refused: still 404/403 first for whoever may not read the resource.
    await _context_for(session, actor, resource_id, Action.AVAILABILITY_READ)
    if end <= start:
        raise UnprocessableEntity(
            "end must be after start.",
            errors=[FieldError(loc=["query", "end"], msg="must be after start", type="period")],
        )
    raise UnprocessableEntity(
        "The window may span at most 366 days.",
        errors=[FieldError(loc=["query", "end"], msg="window too long", type="period")],
    )


async def _busy(
    session: AsyncSession,
    actor: Actor,
    resource_id: uuid.UUID,
    *,
    start: datetime,
    end: datetime,
    limit: int,
) -> list[BusyPeriod]:
    """The availability read in one statement (site, role and holds), then the same policy as
    every other path: 404 for a missing or invisible resource, 403 for a service account."""
    found = await reservations_repository.busy_with_site(
        session, resource_id, actor.user_id, Range(start, end, bounds="[)"), limit=limit
    )
    if found is None:
        raise ResourceNotFound(f"No resource {resource_id}.")
    site, role, capacity, holds = found
    policy.require_user(actor)
    ctx = SiteContext(actor=actor, site=site, role=SiteRole(role) if role else None)
    try:
        if not ctx.can_see:
            raise NotFound("Site not found.")
        policy.check(ctx, Action.AVAILABILITY_READ)
    except NotFound as exc:
        raise ResourceNotFound(f"No resource {resource_id}.") from exc
    show_ids = policy.allows(ctx, Action.RESERVATION_READ)
    return [
        BusyPeriod(
            resource_id=resource_id,
            start=held_start,
            end=held_end,
            reservation_id=reservation_id if show_ids else None,
            units=units,
            capacity=capacity,
        )
        for reservation_id, held_start, held_end, units in holds
    ]
