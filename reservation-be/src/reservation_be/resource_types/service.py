"""Resource types: the booking rules of a kind of resource, managed by site admins."""

from __future__ import annotations

import json
import uuid
from typing import Any

from jsonschema.exceptions import SchemaError
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.kit import audit, json_schema
from reservation_be.kit.errors import Conflict, FieldError, NotFound, UnprocessableEntity
from reservation_be.kit.pagination import PaginationParams, paginate
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations.db_errors import (
    FOREIGN_KEY_VIOLATION,
    UNIQUE_VIOLATION,
    sqlstate,
)
from reservation_be.resource_types import repository
from reservation_be.resource_types.schemas import (
    ResourceTypeCreate,
    ResourceTypeRead,
    ResourceTypeUpdate,
)
from reservation_be.resources import capacity

ENTITY = "resource_type"
_MAX_SCHEMA_BYTES = 64 * 1024


class ResourceTypeNotFound(NotFound):
    slug, title = "resource-type-not-found", "Resource type not found"


class ResourceTypeNameTaken(Conflict):
    slug, title = "resource-type-name-taken", "Resource type name already used"


class ResourceTypeInUse(Conflict):
    slug, title = "resource-type-in-use", "Resource type in use"


def validate_parameters_schema(schema: dict[str, Any]) -> None:
    """The type's ``parameters`` must itself be a valid JSON Schema describing an object."""
    if len(json.dumps(schema)) > _MAX_SCHEMA_BYTES:
        raise UnprocessableEntity(
            "parameters schema is larger than 64 KiB.",
            errors=[FieldError(loc=["body", "parameters"], msg="too large", type="too_large")],
        )
    try:
        json_schema.check_schema(schema)
    except SchemaError as exc:
        path = [str(p) for p in exc.path]
        raise UnprocessableEntity(
            f"parameters is not a valid JSON Schema: {exc.message}",
            errors=[
                FieldError(loc=["body", "parameters", *path], msg=exc.message, type="json_schema")
            ],
        ) from exc
    if schema.get("type", "object") != "object":
        raise UnprocessableEntity(
            'parameters must describe an object ("type": "object").',
            errors=[
                FieldError(
                    loc=["body", "parameters", "type"], msg="must be 'object'", type="json_schema"
                )
            ],
        )


async def _context_for(
    session: AsyncSession, actor: Actor, type_id: uuid.UUID, action: Action
) -> tuple[ResourceType, SiteContext]:
    rtype = await repository.get(session, type_id)
    not_found = ResourceTypeNotFound(f"No resource type {type_id}.")
    if rtype is None:
        raise not_found
    ctx = await policy.authorize_object(session, actor, rtype.site_id, action, not_found=not_found)
    return rtype, ctx


async def create(
    session: AsyncSession, actor: Actor, site_ref: uuid.UUID | str, body: ResourceTypeCreate
) -> ResourceType:
    ctx = await policy.authorize(session, actor, site_ref, Action.RESOURCE_TYPE_WRITE)
    validate_parameters_schema(body.parameters)
    rtype = ResourceType(site_id=ctx.site_id, **body.model_dump())
    session.add(rtype)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        raise ResourceTypeNameTaken(
            f"This site already has a resource type named {body.name!r}."
        ) from exc
    await session.refresh(rtype)
    await audit.record(
        session, actor, ctx.site_id, ENTITY, rtype.id, "created",
        after=ResourceTypeRead.model_validate(rtype),
    )  # fmt: skip
    return rtype


async def get(session: AsyncSession, actor: Actor, type_id: uuid.UUID) -> ResourceType:
    rtype, _ = await _context_for(session, actor, type_id, Action.RESOURCE_TYPE_READ)
    return rtype


async def list_types(
    session: AsyncSession,
    actor: Actor,
    site_ref: uuid.UUID | str,
    *,
    q: str | None,
    pagination: PaginationParams,
) -> tuple[list[ResourceType], int]:
    ctx = await policy.authorize(session, actor, site_ref, Action.RESOURCE_TYPE_READ)
    return await paginate(session, repository.list_statement(ctx.site_id, q=q), pagination)


async def update(
    session: AsyncSession, actor: Actor, type_id: uuid.UUID, body: ResourceTypeUpdate
) -> ResourceType:
    rtype, ctx = await _context_for(session, actor, type_id, Action.RESOURCE_TYPE_WRITE)
    changes = body.model_dump(exclude_unset=True)
    if "parameters" in changes:
        validate_parameters_schema(changes["parameters"])
    if "capacity" in changes and changes["capacity"] != rtype.capacity:
        # Resources with their own capacity keep it; the others lend the new one.
        affected = await session.execute(
            select(Resource.id).where(Resource.type_id == rtype.id, Resource.capacity.is_(None))
        )
        await capacity.check_change(session, list(affected.scalars().all()))
    before = ResourceTypeRead.model_validate(rtype)
    for key, value in changes.items():
        setattr(rtype, key, value)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != UNIQUE_VIOLATION:
            raise
        raise ResourceTypeNameTaken("Another resource type of this site has that name.") from exc
    await session.refresh(rtype)
    await audit.record(
        session, actor, ctx.site_id, ENTITY, rtype.id, "updated",
        before=before, after=ResourceTypeRead.model_validate(rtype),
    )  # fmt: skip
    return rtype


async def delete(session: AsyncSession, actor: Actor, type_id: uuid.UUID) -> None:
    rtype, ctx = await _context_for(session, actor, type_id, Action.RESOURCE_TYPE_WRITE)
    before = ResourceTypeRead.model_validate(rtype)
    await session.delete(rtype)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if sqlstate(exc) != FOREIGN_KEY_VIOLATION:
            raise
        raise ResourceTypeInUse(
            "Resources of this type exist; delete or retype them first."
        ) from exc
    await audit.record(session, actor, ctx.site_id, ENTITY, type_id, "deleted", before=before)
