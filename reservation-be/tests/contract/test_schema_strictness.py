"""The schema refuses what the validation refuses: a client that checks against the OpenAPI
document learns the same rules as the API."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

import pytest
from pydantic import ValidationError
from reservation_be.kit.types import TIMESTAMP_PATTERN
from reservation_be.webhooks.schemas import WebhookCreate


def _schema(app, name):  # type: ignore[no-untyped-def]
    return app.openapi()["components"]["schemas"][name]


def test_time_zones_are_listed_as_the_validation_knows_them(app):
    tz = _schema(app, "ProfileUpdate")["properties"]["timezone"]["anyOf"][0]
    assert set(tz["enum"]) == set(available_timezones())
    for model in ("SiteCreate", "SiteUpdate"):
        site_tz = _schema(app, model)["properties"]["time_zone"]
        assert set(site_tz["enum"]) == set(available_timezones()), model


@pytest.mark.parametrize(
    "url",
    [
        "https://receiver.example.test/hook",
        "http://[::1]:8080/hook?a=1",
        "HTTPS://Receiver.example.test",
        "https://receiver.example.test:65535/",
        "https://user:pw@receiver.example.test/x",
        "ftp://receiver.example.test/x",
        "https://receiver.example.test/x#part",
        "https://receiver.example.test:65536/x",
        "https:///x",
        "not a url",
    ],
)
def test_webhook_urls_match_the_pattern_exactly_when_valid(app, url):
    spec = _schema(app, "WebhookCreate")["properties"]["url"]
    try:
        WebhookCreate(name="x", url=url)
        valid = True
    except ValidationError:
        valid = False
    assert bool(re.match(spec["pattern"], url)) == valid


def test_site_refs_and_if_match_carry_their_patterns(app):
    spec = app.openapi()["paths"]["/api/v1/sites/{site_ref}"]["patch"]["parameters"]
    by_name = {p["name"]: p["schema"] for p in spec}
    assert "pattern" in by_name["site_ref"]
    if_match = by_name["If-Match"]
    for good in ('"3"', 'W/"3"', "*", '"1", "2"'):
        assert re.match(if_match["pattern"], good)
    for bad in ("3", '"3', "W/3"):
        assert not re.match(if_match["pattern"], bad)


def _walk(spec, node, found, seen):  # type: ignore[no-untyped-def]
    """The instant and day schemas in ``node``, following $refs into the components."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref not in seen:
            seen.add(ref)
            _walk(spec, spec["components"]["schemas"][ref.rsplit("/", 1)[-1]], found, seen)
        # Instants and days; a series' local time of day (format time) is not an instant.
        if node.get("format") in ("date-time", "date"):
            found.append(node)
        for value in node.values():
            _walk(spec, value, found, seen)
    elif isinstance(node, list):
        for value in node:
            _walk(spec, value, found, seen)


def test_every_time_a_client_sends_has_the_one_time_format(app):
    spec = app.openapi()
    found: list[dict] = []
    for operations in spec["paths"].values():
        for operation in operations.values():
            _walk(spec, operation.get("parameters", []), found, set())
            _walk(spec, operation.get("requestBody", {}), found, set())
    assert found
    for schema in found:
        assert schema["format"] == "date-time", schema
        assert schema["pattern"] == TIMESTAMP_PATTERN, schema


async def test_an_unescaped_plus_in_a_query_time_is_explained(client, auth, db):
    response = await client.get(
        "/api/v1/audit?since=2026-05-01T11:00:00+02:00", headers=await auth("admin")
    )
    assert response.status_code == 422, response.text
    assert "%2B" in response.json()["detail"]
    escaped = await client.get(
        "/api/v1/audit?since=2026-05-01T11:00:00%2B02:00", headers=await auth("admin")
    )
    assert escaped.status_code == 200, escaped.text
