"""Every endpoint x every kind of caller, from the rows in ``tests/<domain>/matrix.py``."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from reservation_db.models import SiteRole

from tests import factories
from tests.matrix import ROLES, SERVICE_CLIENT, USERS, Case, World


def _collect() -> list[Case]:
    cases: list[Case] = []
    here = Path(__file__).parent
    for info in sorted(pkgutil.iter_modules([str(here)]), key=lambda i: i.name):
        if info.ispkg and (here / info.name / "matrix.py").exists():
            module = importlib.import_module(f"tests.{info.name}.matrix")
            cases.extend(module.CASES)
    return cases


CASES = _collect()


def test_matrix_covers_every_api_route(app):
    """A new endpoint without matrix rows fails here."""
    covered = {(c.method.upper(), c.path.split("?")[0]) for c in CASES}
    missing = []
    for route in app.routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/v1/") or path == "/api/v1/openapi.json":
            continue
        for method in sorted(getattr(route, "methods", set()) - {"HEAD", "OPTIONS"}):
            template = _normalise(path)
            if not any(m == method and _normalise(p) == template for m, p in covered):
                missing.append(f"{method} {path}")
    assert not missing, f"routes without matrix rows: {missing}"


def _normalise(path: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture
async def world(session, people) -> World:
    f = factories
    site_a = await f.create_site(session, slug="site-a", visibility="private", commit=False)
    site_b = await f.create_site(session, slug="site-b", visibility="public", commit=False)
    await f.add_member(session, site_a, people["alice"], SiteRole.SITE_ADMIN, commit=False)
    await f.add_member(session, site_a, people["bob"], SiteRole.MEMBER, commit=False)
    await f.add_member(session, site_a, "target-user", SiteRole.MEMBER, commit=False)
    await f.add_member(session, site_b, people["carol"], SiteRole.MEMBER, commit=False)
    await session.commit()
    ids = {name: people[name] for name in ("alice", "bob", "carol", "admin")}
    ids["target"] = "target-user"
    return World(site_a=site_a, site_b=site_b, ids=ids)


@pytest.mark.parametrize(
    ("case", "role"),
    [pytest.param(c, r, id=f"{c.name}-{r}") for c in CASES for r in ROLES],
)
async def test_endpoint_answers_each_caller_as_the_policy_says(
    case: Case, role: str, client, auth, service_auth, world, session
):
    values = world.placeholders()
    if case.prepare is not None:
        values.update(await case.prepare(world, session))
    headers = dict(case.headers)
    if role == "service":
        headers.update(await service_auth(SERVICE_CLIENT))
    elif role != "anonymous":
        headers.update(await auth(USERS[role]))
    body = case.body(values) if callable(case.body) else case.body
    response = await client.request(
        case.method, case.path.format(**values), json=body, headers=headers
    )
    expected = case.expected[role]
    assert response.status_code == expected, (
        f"{case.method} {case.path} as {role}: {response.status_code} {response.text[:300]}"
    )
    if expected >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    elif case.returns:
        body = response.json()
        assert {k: body.get(k) for k in case.returns} == case.returns, f"{case.name} as {role}"
