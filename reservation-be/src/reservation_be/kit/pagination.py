"""Pagination in SQL: page/size with a maximum, and the total count."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Generic, TypeVar, TypeVarTuple, cast

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class PaginationParams(BaseModel):
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


async def _pagination(
    page: Annotated[int, Query(ge=1, le=100_000, description="1-based page number")] = 1,
    size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = (
        DEFAULT_PAGE_SIZE
    ),
) -> PaginationParams:
    return PaginationParams(page=page, size=size)


PaginationDep = Annotated[PaginationParams, Depends(_pagination)]


class PageMeta(BaseModel):
    page: int
    size: int
    total: int
    pages: int


class Page(BaseModel, Generic[T]):
    items: list[T]
    meta: PageMeta

    @classmethod
    def build(cls, items: Sequence[Any], total: int, params: PaginationParams) -> Page[T]:
        pages = (total + params.size - 1) // params.size
        meta = PageMeta(page=params.page, size=params.size, total=total, pages=pages)
        return cls(items=list(items), meta=meta)


def page_json(items: Sequence[str], total: int, params: PaginationParams) -> bytes:
    """A :class:`Page` whose items are JSON texts already, as bytes."""
    meta = PageMeta(
        page=params.page,
        size=params.size,
        total=total,
        pages=(total + params.size - 1) // params.size,
    )
    body = ",".join(items).encode()
    return b'{"items":[' + body + b'],"meta":' + meta.model_dump_json().encode() + b"}"


async def paginate(
    session: AsyncSession, statement: Select[Any], params: PaginationParams
) -> tuple[list[Any], int]:
    """Run ``statement`` for one page; returns the rows (scalars) and the total count."""
    count_stmt = select(func.count()).select_from(statement.order_by(None).subquery())
    total = (await session.execute(count_stmt)).scalar_one()
    rows = await session.execute(statement.limit(params.size).offset(params.offset))
    return list(rows.scalars().all()), int(total)


async def paginate_rows(
    session: AsyncSession, statement: Select[*Ts], params: PaginationParams
) -> tuple[list[tuple[*Ts]], int]:
    """Like :func:`paginate` for statements selecting several columns or entities."""
    count_stmt = select(func.count()).select_from(statement.order_by(None).subquery())
    total = (await session.execute(count_stmt)).scalar_one()
    rows = await session.execute(statement.limit(params.size).offset(params.offset))
    # Rows are tuples (SQLAlchemy 2.1); typed as the statement's columns.
    return cast(list[tuple[*Ts]], list(rows.all())), int(total)


async def paginate_counted(
    session: AsyncSession,
    statement: Select[Any],
    params: PaginationParams,
    *,
    whole_rows: bool = False,
) -> tuple[list[Any], int]:
    """:func:`paginate` in one round trip: the total rides on each row (``count(*) OVER ()``).

    Only a page past the end (no row to carry it) costs the separate count. ``whole_rows``: the
    rows as they are (a statement of several columns; each also carries ``total``), not their
    first column.
    """
    counted = statement.add_columns(func.count().over().label("total"))
    rows = (await session.execute(counted.limit(params.size).offset(params.offset))).all()
    if rows:
        return (list(rows) if whole_rows else [row[0] for row in rows]), int(rows[0][-1])
    if params.offset == 0:
        return [], 0
    count_stmt = select(func.count()).select_from(statement.order_by(None).subquery())
    return [], int((await session.execute(count_stmt)).scalar_one())
