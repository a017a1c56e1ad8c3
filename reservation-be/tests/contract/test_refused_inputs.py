"""The probes that once answered 500, each now a 422 problem naming what is wrong; and the
formats the schema promises (timestamps, durations) as the API really reads and writes them."""

from __future__ import annotations

import pytest

from tests.reservations.factories import Lab, make_lab

PROBLEM = "application/problem+json"


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people)


def _assert_refused(response, *loc) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    locs = [tuple(e["loc"][: len(loc)]) for e in response.json().get("errors", [])]
    assert loc in locs, response.text


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/api/v1/sites?q=%00", ("query", "q")),
        ("/api/v1/sites/%00", ("path", "site_ref")),
        ("/api/v1/audit?entity=%00", ("query", "entity")),
        ("/api/v1/audit?since=9999-12-31T23:59:59-14:00", ("query", "since")),
        ("/api/v1/audit?until=0001-01-01T00:00:00%2B14:00", ("query", "until")),
        ("/api/v1/audit?since=1700000000", ("query", "since")),
        ("/api/v1/reservations?owner_id=%00", ("query", "owner_id")),
        ("/api/v1/reservations?start=2026-05-01T09:00:00", ("query", "start")),
    ],
)
async def test_nul_and_extreme_times_in_the_url_are_refused(client, auth, db, url, loc):
    _assert_refused(await client.get(url, headers=await auth("admin")), *loc)


async def test_nul_in_site_scoped_urls_is_refused(client, auth, lab):
    admin = await auth("admin")
    site = lab.site.slug
    _assert_refused(
        await client.get(f"/api/v1/sites/{site}/resources?q=a%00", headers=admin), "query", "q"
    )
    _assert_refused(
        await client.get(f"/api/v1/sites/{site}/resource-types?q=%00", headers=admin),
        "query",
        "q",
    )
    _assert_refused(
        await client.delete(f"/api/v1/sites/{site}/members/%00", headers=admin), "path", "user_id"
    )
    webhook = "00000000-0000-0000-0000-000000000001"
    _assert_refused(
        await client.get(
            f"/api/v1/sites/{site}/webhooks/{webhook}/deliveries?since=9999-12-31T23:59:59-14:00",
            headers=admin,
        ),
        "query",
        "since",
    )


@pytest.mark.parametrize(
    "attributes",
    ['{"\x00": 1}', '{"a": "\\u0000"}', '{"a": "\\ud800"}', '{"a": 1e999999}', '{"a": NaN}'],
)
async def test_attribute_filters_jsonb_cannot_hold_are_refused(client, auth, lab, attributes):
    response = await client.get(
        f"/api/v1/sites/{lab.site.slug}/resources",
        params={"attributes": attributes},
        headers=await auth("admin"),
    )
    _assert_refused(response, "query", "attributes")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "t", "parameters": {"type": "object", "title": "\\ud800"}}',
        b'{"name": "t", "parameters": {"type": "object", "\\u0000": 1}}',
        b'{"name": "t", "parameters": {"type": "object", "maxProperties": 1e999999}}',
        b'{"name": "t\\u0000"}',
    ],
)
async def test_type_schemas_jsonb_cannot_hold_are_refused(client, auth, lab, raw):
    response = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resource-types",
        content=raw,
        headers={**await auth("admin"), "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][:2] == ["body", "parameters"] or (
        response.json()["errors"][0]["loc"][:2] == ["body", "name"]
    )


async def test_nul_in_a_csv_import_is_refused_per_line(client, auth, lab):
    csv_text = "name,type,attributes\nok-1,server,\nbad\x00name,server,\nok-2,server,\n"
    response = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resources/import",
        content=csv_text.encode(),
        headers={**await auth("alice"), "content-type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [e["loc"][2:] for e in response.json()["errors"]] == [[3, "name"]]


async def test_json_attributes_in_a_csv_import_are_checked_like_the_api(client, auth, lab):
    csv_text = 'name,type,attributes\nx,server,"{""a"": 1e999999}"\n'
    response = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resources/import",
        content=csv_text.encode(),
        headers={**await auth("alice"), "content-type": "text/csv"},
    )
    assert response.status_code == 422, response.text
    assert [e["loc"][2:] for e in response.json()["errors"]] == [[2, "attributes"]]


async def test_timestamps_with_offsets_are_read_and_returned_in_utc(client, auth, lab):
    response = await client.get(
        f"/api/v1/resources/{lab.server1.id}/busy",
        params={"start": "2030-05-01T11:00:00+02:00", "end": "2030-05-02T00:00:00Z"},
        headers=await auth("bob"),
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("sent", "returned"),
    [("P666D", "P666D"), ("PT36H", "PT36H"), (90, "PT1M30S"), ("P2W", "P14D"), ("PT0S", "PT0S")],
)
async def test_durations_are_written_in_days_or_hours_never_years(
    client, auth, lab, sent, returned
):
    response = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resource-types",
        json={"name": f"t-{returned}", "lead_time": sent, "booking_horizon": sent or None},
        headers=await auth("alice"),
    )
    if sent == "PT0S":  # a horizon must be positive
        assert response.status_code == 422
        return
    assert response.status_code == 201, response.text
    assert response.json()["lead_time"] == returned
    assert response.json()["booking_horizon"] == returned


@pytest.mark.parametrize("sent", ["P1Y", "P1M", "P1Y2M", "-PT1H", "PT", "P3651D"])
async def test_calendar_dependent_or_unbounded_durations_are_refused(client, auth, lab, sent):
    response = await client.post(
        f"/api/v1/sites/{lab.site.slug}/resource-types",
        json={"name": "t", "lead_time": sent},
        headers=await auth("alice"),
    )
    _assert_refused(response, "body", "lead_time")
