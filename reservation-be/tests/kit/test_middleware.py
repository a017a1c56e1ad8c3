from __future__ import annotations

import json
import logging

from reservation_be.kit.logging import JsonFormatter
from reservation_be.kit.request_context import reset_request_id, set_request_id


async def test_request_id_is_generated_and_returned(client):
    response = await client.get("/healthz")
    assert len(response.headers["x-request-id"]) == 32


async def test_sane_incoming_request_id_is_kept_and_odd_ones_replaced(client):
    kept = await client.get("/healthz", headers={"X-Request-Id": "trace-abc.123"})
    assert kept.headers["x-request-id"] == "trace-abc.123"
    odd = await client.get("/healthz", headers={"X-Request-Id": "a b\tc" + "x" * 300})
    assert odd.headers["x-request-id"] != "a b\tc" + "x" * 300
    assert len(odd.headers["x-request-id"]) == 32


def test_json_log_lines_carry_the_request_id_and_extras():
    record = logging.makeLogRecord(
        {"name": "t", "levelname": "INFO", "msg": "hello %s", "args": ("world",), "route": "/x"}
    )
    token = set_request_id("req-1")
    try:
        line = json.loads(JsonFormatter().format(record))
    finally:
        reset_request_id(token)
    assert line["message"] == "hello world"
    assert line["request_id"] == "req-1"
    assert line["route"] == "/x"
    assert line["level"] == "info"


async def test_cors_is_off_unless_origins_are_configured(client):
    response = await client.options(
        "/api/v1/sites",
        headers={"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in response.headers
