"""The schema refuses what the validation refuses: a client that checks against the OpenAPI
document learns the same rules as the API."""

from __future__ import annotations

import re
from zoneinfo import available_timezones

import pytest
from pydantic import ValidationError
from reservation_be.webhooks.schemas import WebhookCreate


def _schema(app, name):  # type: ignore[no-untyped-def]
    return app.openapi()["components"]["schemas"][name]


def test_time_zones_are_listed_as_the_validation_knows_them(app):
    tz = _schema(app, "ProfileUpdate")["properties"]["timezone"]["anyOf"][0]
    assert set(tz["enum"]) == set(available_timezones())


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
