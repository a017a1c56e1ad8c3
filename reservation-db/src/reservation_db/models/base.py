"""Declarative base: UTC timestamps, naming convention for constraints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import DateTime, MetaData, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, instrumentation, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        datetime: DateTime(timezone=True),
        uuid.UUID: UUID(as_uuid=True),
        dict[str, Any]: JSONB,
    }


_M = TypeVar("_M", bound=Base)


def uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))


def created_at_column() -> Mapped[datetime]:
    return mapped_column(server_default=func.now(), nullable=False)


class TimestampMixin:
    # Read server-generated timestamps back with RETURNING: no lazy load in async code.
    __mapper_args__ = {"eager_defaults": True}

    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        server_default=func.now(), onupdate=func.now(), nullable=False
    )


def detached(model: type[_M], **values: Any) -> _M:
    """A transient ``model`` instance holding ``values``, built the way the ORM builds the rows
    it loads: straight into the instance's ``__dict__``, without the attribute events a
    constructor fires for each value. For instances no session will flush as they are (the
    booking path's reservation, site and resource type, built from one read: a fifth of what
    their constructors cost). Values set afterwards go through the events as usual."""
    instance: _M = instrumentation.manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    return instance
