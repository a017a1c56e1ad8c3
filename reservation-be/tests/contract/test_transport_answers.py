"""Answers that come from the framework rather than the routes: 405 with the full Allow, 415,
400 for unreadable bodies, all problem documents and all in the OpenAPI."""

from __future__ import annotations

import json
import socket

import pytest
from reservation_be.main import create_app
from reservation_be.testing import serve_in_thread

PROBLEM = "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/api/v1/users/me", "GET, PATCH"),
        ("OPTIONS", "/api/v1/sites/lab/webhooks", "GET, POST"),
        ("PUT", "/api/v1/sites/lab/members/someone", "DELETE, PATCH"),
        ("TRACE", "/api/v1/sites", "GET, POST"),
        # A literal segment is its own path, not a value of /reservations/{reservation_id}.
        ("OPTIONS", "/api/v1/reservations/find", "POST"),
        ("OPTIONS", "/api/v1/reservation-series/preview", "POST"),
    ],
)
async def test_a_method_not_allowed_lists_every_method_of_the_path(
    client, auth, db, method, path, allow
):
    response = await client.request(method, path, headers=await auth("alice"))
    assert response.status_code == 405
    assert response.headers["content-type"] == PROBLEM
    assert response.headers["allow"] == allow


async def test_a_body_of_another_media_type_is_a_415(client, auth, db):
    response = await client.post(
        "/api/v1/sites",
        content=b"slug=x&name=y",
        headers={**await auth("admin"), "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "urn:reservation:problem:unsupported-media-type"


async def test_json_sent_to_the_csv_import_is_a_415(client, auth, db):
    response = await client.post(
        "/api/v1/sites/lab/resources/import", json={"a": 1}, headers=await auth("admin")
    )
    assert response.status_code == 415, response.text


async def test_a_body_that_is_not_utf8_is_a_400_problem(client, auth, db):
    response = await client.post(
        "/api/v1/sites",
        content=b'{"slug": "\xff\xfe"}',
        headers={**await auth("admin"), "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == PROBLEM


def test_every_operation_with_a_body_documents_400_413_415_and_422(app):
    spec = app.openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            documented = set(operation["responses"])
            missing = {"400", "413", "415", "422"} - documented
            assert not missing, f"{method.upper()} {path} does not document {missing}"
            for status in ("400", "413", "415"):
                content = operation["responses"][status]["content"]
                assert set(content) == {PROBLEM}


def test_every_operation_documents_400_405_with_allow_413_and_429_when_authenticated(app):
    spec = app.openapi()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            where = f"{method.upper()} {path}"
            for status in ("400", "405", "413"):
                assert status in responses, f"{where} does not document {status}"
                assert set(responses[status]["content"]) == {PROBLEM}, where
            assert "Allow" in responses["405"]["headers"], where
            if "401" in responses:
                assert "Retry-After" in responses["429"]["headers"], where


def test_parameters_are_never_null_and_if_match_is_required_where_428_is_answered(app):
    spec = app.openapi()
    required_if_match = set()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                options = parameter["schema"].get("anyOf", [parameter["schema"]])
                assert all(o.get("type") != "null" for o in options), (path, parameter)
                if parameter["name"] == "If-Match" and parameter.get("required"):
                    required_if_match.add(f"{method.upper()} {path}")
                    assert "428" in operation["responses"]
    assert required_if_match >= {
        "PATCH /api/v1/reservations/{reservation_id}",
        "PATCH /api/v1/sites/{site_ref}",
        "PATCH /api/v1/sites/{site}/webhooks/{webhook_id}",
    }


async def test_a_missing_required_if_match_is_a_428_naming_the_etag(client, auth, db):
    admin = await auth("admin")
    created = await client.post("/api/v1/sites", json={"slug": "lab", "name": "Lab"}, headers=admin)
    assert created.status_code == 201, created.text
    response = await client.patch("/api/v1/sites/lab", json={"name": "Lab 2"}, headers=admin)
    assert response.status_code == 428, response.text
    assert response.headers["content-type"] == PROBLEM
    assert '"1"' in response.json()["detail"]


def _raw_exchange(base_url: str, raw: bytes) -> bytes:
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /api/v1/sites HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}",
        b"GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n",
        b"GET /api/v1/sites HTTP/1.1\r\nHost: x\r\nAccept: \x01\r\n\r\n",
        b"POST /api/v1/sites HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_a_request_the_server_cannot_parse_gets_a_problem_document(settings, raw):
    with serve_in_thread(create_app(settings)) as base_url:
        answer = _raw_exchange(base_url, raw)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert b"content-type: application/problem+json" in head.lower()
    assert json.loads(body)["status"] == 400
