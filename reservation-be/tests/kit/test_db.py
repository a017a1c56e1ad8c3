from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI
from reservation_be.kit.db import SessionDep, create_engine, create_sessionmaker
from reservation_be.kit.errors import Conflict, install_error_handlers
from reservation_db.models import Site
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine


def _app(settings) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.engine = create_engine(settings)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)

    @app.post("/sites/{slug}")
    async def create(slug: str, session: SessionDep, fail: bool = False) -> dict[str, str]:
        session.add(Site(slug=slug, name=slug))
        await session.flush()
        if fail:
            raise Conflict("refused after writing")
        return {"slug": slug}

    return app


async def _count(session) -> int:
    return (await session.execute(select(func.count()).select_from(Site))).scalar_one()


async def test_the_request_commits_on_success_and_rolls_back_on_error(settings, session):
    app = _app(settings)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            ok = await c.post("/sites/kept")
            refused = await c.post("/sites/dropped", params={"fail": "true"})
    finally:
        await app.state.engine.dispose()
    assert (ok.status_code, refused.status_code) == (200, 409)
    assert await _count(session) == 1
    assert (await session.execute(select(Site.slug))).scalar_one() == "kept"


async def test_unexpected_database_error_is_a_500_problem_that_leaks_nothing(settings, session):
    app = _app(settings)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            await c.post("/sites/twice")
            again = await c.post("/sites/twice")
    finally:
        await app.state.engine.dispose()
    assert again.status_code == 500
    assert again.headers["content-type"] == "application/problem+json"
    assert "uq_sites_slug" not in again.text
    assert await _count(session) == 1


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.pg_backend_pid()))).scalar_one())


async def test_a_connection_in_steady_use_is_handed_out_without_a_ping(settings, monkeypatch):
    engine = create_engine(settings, pool_size=1, max_overflow=0, ping_when_idle_for=60)
    pings: list[object] = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or real_ping(c))
    try:
        first = await _backend_pid(engine)
        second = await _backend_pid(engine)  # returned a moment ago: no round trip before use
    finally:
        await engine.dispose()
    assert first == second
    assert pings == []


async def test_a_connection_that_died_while_idle_is_replaced_at_checkout(settings):
    # The pool hands a connection that sat idle to the next request only after a ping: one
    # whose server process went away (a restart, an idle reaper) is replaced, not used.
    engine = create_engine(settings, pool_size=1, max_overflow=0, ping_when_idle_for=0.05)
    admin = create_engine(settings, pool_size=1, max_overflow=0)
    try:
        dead = await _backend_pid(engine)
        async with admin.connect() as conn:
            assert (await conn.execute(select(func.pg_terminate_backend(dead)))).scalar_one()
        await asyncio.sleep(0.2)
        replaced = await _backend_pid(engine)
    finally:
        await engine.dispose()
        await admin.dispose()
    assert replaced != dead
