"""Hostile values in every string, JSON, number and time parameter of the OpenAPI: a 4xx problem
that names the field, never a 500.

The operations and their parameters are read from the app's own OpenAPI document, so a new
endpoint is covered without touching this file. Each example sends, for every target (one
parameter or top-level body field of one operation), a request whose only interesting value is a
hostile one drawn by hypothesis: NUL bytes, lone surrogates, numbers like ``1e999999``, JSON that
``jsonb`` refuses, instants outside the calendar PostgreSQL and Python share.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from reservation_be.main import create_app
from reservation_be.testing import serve_in_thread

PROBLEM = "application/problem+json"
EXAMPLES_PER_TARGET = 4


@dataclass(frozen=True)
class Target:
    method: str
    path: str
    location: str  # "path", "query" or "body"
    name: str
    kind: str  # "text", "json", "json-text", "time", "number", "duration"
    path_params: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} {self.location}.{self.name} ({self.kind})"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _kind(spec: dict[str, Any], schema: dict[str, Any], name: str) -> str | None:
    schema = _resolve(spec, schema)
    options = [_resolve(spec, s) for s in schema.get("anyOf", [schema])]
    options = [s for s in options if s.get("type") != "null"]
    for option in options:
        inner = option.get("anyOf", [option])
        # An ISO 8601 duration pattern: "^P(", after a look-ahead for a positive one.
        if any(re.match(r"\^(\(\?=[^)]*\))?P\(", i.get("pattern", "")) for i in inner):
            return "duration"
    for option in options:
        kind = option.get("type")
        if kind == "string" and option.get("format") == "date-time":
            return "time"
        if kind == "string" and name == "attributes":
            return "json-text"  # a JSON object passed as a query string
        if kind == "string":
            return "text"
        if kind == "object" and "properties" not in option:
            return "json"
        if kind in ("integer", "number"):
            return "number"
    return None


def collect_targets(spec: dict[str, Any]) -> list[Target]:
    targets: list[Target] = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            params = operation.get("parameters", [])
            path_params = tuple(p["name"] for p in params if p["in"] == "path")
            for param in params:
                if param["in"] not in ("path", "query"):
                    continue
                kind = _kind(spec, param["schema"], param["name"])
                if kind is not None:
                    targets.append(
                        Target(method, path, param["in"], param["name"], kind, path_params)
                    )
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            body = _resolve(spec, content["application/json"]["schema"])
            body = next(
                (_resolve(spec, s) for s in body.get("anyOf", [body]) if s.get("type") != "null"),
                body,
            )
            for name, prop in body.get("properties", {}).items():
                kind = _kind(spec, prop, name)
                if kind is not None:
                    targets.append(Target(method, path, "body", name, kind, path_params))
    return targets


def _text_with(bad: str) -> st.SearchStrategy[str]:
    # No "/": in a path it would only make another (unknown) route.
    short = st.text(st.characters(codec="utf-8", exclude_characters="\x00/"), max_size=3)
    return st.builds(lambda a, b: a + bad + b, short, short)


# Raw JSON texts (a body field's value), so values json.dumps would refuse can be sent.
_BAD_NUMBERS = ["1e999999", "-1e999999", "NaN", "Infinity", "-Infinity", "1" + "0" * 400]
_BAD_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1999-12-31T23:59:59Z",
    "9000-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "2026-05-01T09:00:00",  # no offset
    "1700000000",  # a Unix time is not the API's time format
    "2026-05-01 09:00:00+00:00",
    "2026-05-01T09:00:00Z\x00",
]
_BAD_JSON = [
    '{"\\u0000": 1}',
    '{"a": "\\u0000"}',
    '{"a": "x\\ud800"}',
    '{"\\udfff": 1}',
    '{"a": ["\\ud83d"]}',
    '{"a": 1e999999}',
    '{"a": -1e999999}',
    '{"a": NaN}',
    '{"a": Infinity}',
    '{"a": ' + "1" + "0" * 400 + "}",
    '{"a": ' + "[" * 40 + "]" * 40 + "}",
    '{"a": {"b": {"c": "\\u0000"}}}',
]
_BAD_DURATIONS = [
    "1e999999",
    "NaN",
    "-1",
    '"P1Y"',
    '"P1M"',
    '"P99999999D"',
    '"-PT1H"',
    '"PT1H\\u0000"',
    '"P1DT"',
]


def hostile(kind: str, location: str) -> st.SearchStrategy[str]:
    """A raw JSON text (body) or a decoded parameter value (path, query)."""
    in_body = location == "body"
    if kind == "text":
        values = _text_with("\x00")
        if in_body:
            return st.one_of(values.map(json.dumps), _text_with("\ud800").map(json.dumps))
        return values
    if kind == "json":
        return st.sampled_from(_BAD_JSON)
    if kind == "json-text":
        return st.one_of(
            st.sampled_from(_BAD_JSON).map(lambda raw: raw.replace("\\u0000", "\x00")),
            st.sampled_from(_BAD_JSON),
        )
    if kind == "time":
        years = st.one_of(st.integers(1, 1999), st.integers(9000, 9999))
        built = st.builds(
            lambda y, sign: f"{y:04d}-01-01T00:00:00{sign}14:00", years, st.sampled_from("+-")
        )
        values = st.one_of(st.sampled_from(_BAD_TIMES), built)
        return values.map(json.dumps) if in_body else values
    if kind == "number":
        return st.sampled_from(_BAD_NUMBERS if in_body else [*_BAD_NUMBERS, "inf", "nan"])
    if kind == "duration":
        return st.sampled_from(_BAD_DURATIONS)
    raise AssertionError(kind)


def _filler(name: str) -> str:
    if name in ("site", "site_ref"):
        return "lab"
    if name == "user_id":
        return "someone"
    return str(uuid.uuid4())


def build_request(target: Target, value: str) -> tuple[str, str, bytes | None]:
    path = target.path
    for name in target.path_params:
        raw = value if (target.location == "path" and name == target.name) else _filler(name)
        path = path.replace("{" + name + "}", quote(raw, safe=""))
    if target.location == "query":
        path += f"?{quote(target.name)}={quote(value, safe='')}"
    body = None
    if target.location == "body":
        body = ("{" + json.dumps(target.name) + ": " + value + "}").encode()
    elif target.method in ("post", "patch", "put"):
        body = b"{}"
    return target.method.upper(), path, body


def describe(method: str, path: str, body: bytes | None) -> str:
    return f"{method} {path}" + (f" body={body!r}" if body is not None else "")


def _send(client: httpx.Client, method: str, path: str, body: bytes | None) -> httpx.Response:
    if body is None:
        return client.request(method, path)
    return client.request(method, path, content=body, headers={"content-type": "application/json"})


def _names_the_field(problem: dict[str, Any], target: Target) -> bool:
    for error in problem.get("errors") or []:
        loc = error.get("loc", [])
        if len(loc) >= 2 and loc[0] == target.location and loc[1] == target.name:
            return True
    return False


async def test_every_target_is_found(app):
    """The walk below reaches the parameters the API is known to have trouble with."""
    targets = {str(t) for t in collect_targets(app.openapi())}
    for expected in (
        "GET /api/v1/audit query.since (time)",
        "GET /api/v1/sites query.q (text)",
        "GET /api/v1/sites/{site_ref} path.site_ref (text)",
        "GET /api/v1/sites/{site}/resources query.attributes (json-text)",
        "POST /api/v1/sites/{site}/resource-types body.parameters (json)",
        "POST /api/v1/sites/{site}/resource-types body.max_duration (duration)",
        "POST /api/v1/reservations body.title (text)",
        "DELETE /api/v1/sites/{site_ref}/members/{user_id} path.user_id (text)",
        "GET /api/v1/sites/{site}/webhooks/{webhook_id}/deliveries query.since (time)",
        "POST /api/v1/sites/{site}/webhooks body.max_concurrency (number)",
    ):
        assert expected in targets


def check_target(client: httpx.Client, target: Target) -> None:
    """Hypothesis over one target: a failure shrinks to the smallest value and prints the
    request that shows it."""

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_TARGET,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(value=hostile(target.kind, target.location))
    def refused(value: str) -> None:
        method, path, body = build_request(target, value)
        response = _send(client, method, path, body)
        request = describe(method, path, body)
        assert response.status_code < 500, f"{request} -> {response.status_code} {response.text}"
        assert response.status_code in (400, 422), f"{request} -> {response.text}"
        assert response.headers["content-type"] == PROBLEM, request
        if response.status_code == 422:
            assert _names_the_field(response.json(), target), f"{request} -> {response.text}"

    refused()


async def test_hostile_values_are_refused_with_a_problem_naming_the_field(settings, test_realm, db):
    app = create_app(settings)
    token = test_realm.token("admin")
    targets = collect_targets(app.openapi())

    def run() -> None:
        with (
            serve_in_thread(app) as base_url,
            httpx.Client(
                base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=20
            ) as client,
        ):
            for target in targets:
                check_target(client, target)

    await asyncio.to_thread(run)
