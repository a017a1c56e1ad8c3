from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from reservation_be.kit.errors import install_error_handlers

PROBLEM = "application/problem+json"


async def test_unknown_route_is_a_404_problem(client):
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["type"] == "urn:reservation:problem:not-found"
    assert "/api/v1/no-such-thing" in body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]


async def test_wrong_method_is_a_405_problem_with_allow(client, auth):
    response = await client.put("/api/v1/users/me", headers=await auth("bob"))
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert "GET" in response.headers["allow"]


async def test_invalid_body_lists_each_field_error(client, auth):
    response = await client.post(
        "/api/v1/sites",
        json={"slug": "Not A Slug", "name": "", "colour": "red"},
        headers=await auth("admin"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert ("body", "slug") in locs
    assert ("body", "name") in locs
    assert ("body", "colour") in locs  # unknown fields are refused, not dropped


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"slug": ', "at character 9"),
        (b"{not json", "at character 1"),
        (b'{"slug": "a",}', "at character 13"),
        (b"[1, 2", "at character 5"),
    ],
)
async def test_malformed_json_is_a_400_problem_saying_where(client, auth, body, where):
    headers = {**await auth("admin"), "content-type": "application/json"}
    response = await client.post("/api/v1/sites", content=body, headers=headers)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "urn:reservation:problem:malformed-json"
    assert where in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body"]


async def test_well_formed_json_of_the_wrong_shape_stays_a_422(client, auth):
    headers = {**await auth("admin"), "content-type": "application/json"}
    response = await client.post("/api/v1/sites", content=b"[]", headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "urn:reservation:problem:validation-error"


async def test_declared_oversized_body_is_refused_with_413(client, auth, settings):
    headers = await auth("admin")
    payload = {"slug": "big", "name": "x", "description": "a" * (settings.max_body_bytes + 1)}
    response = await client.post("/api/v1/sites", json=payload, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_streamed_oversized_body_is_refused_with_413(client, auth, settings):
    chunk = b"a" * 65536

    async def body():
        yield b'{"slug": "big", "name": "x", "description": "'
        for _ in range(settings.max_body_bytes // len(chunk) + 2):
            yield chunk
        yield b'"}'

    headers = {**await auth("admin"), "content-type": "application/json"}
    response = await client.post("/api/v1/sites", content=body(), headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


async def test_unexpected_error_is_a_500_problem_that_leaks_nothing():
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 at db.internal:5432")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        response = await c.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert "hunter2" not in response.text
    assert "db.internal" not in response.text


async def test_unexpected_error_in_the_api_keeps_the_request_id(settings):
    from reservation_be.main import close_app, create_app

    app = create_app(settings)

    async def boom() -> None:
        raise RuntimeError("internal detail")

    app.add_api_route("/boom", boom)
    try:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/boom", headers={"X-Request-Id": "req-500"})
    finally:
        await close_app(app)
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["x-request-id"] == "req-500"
    assert response.json()["request_id"] == "req-500"
    assert "internal detail" not in response.text


async def test_openapi_documents_validation_errors_as_problems(client):
    document = (await client.get("/api/v1/openapi.json")).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            response = operation["responses"].get("422")
            if response is not None:
                assert list(response["content"]) == [PROBLEM], (method, path)
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert "Problem" in document["components"]["schemas"]
