"""Webhook subscriptions API through HTTP, real database, real tokens."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from reservation_be.settings import Environment
from reservation_common.signing import sign, verify
from reservation_db.models import AuditLogEntry, OutboxMessage
from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_db.models.webhook_secret import WebhookSecret
from sqlalchemy import select

from tests.reservations.factories import Lab, make_lab
from tests.webhooks.factories import BOX, delivery, subscription

PROBLEM = "application/problem+json"


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people)


def hooks(lab: Lab) -> str:
    return f"/api/v1/sites/{lab.site.id}/webhooks"


def new_hook(**extra: object) -> dict[str, object]:
    return {"name": "lab receiver", "url": "https://receiver.example.test/hook", **extra}


async def test_create_shows_the_secret_once_and_stores_it_encrypted(app, client, auth, lab, caplog):
    caplog.set_level(logging.DEBUG)
    created = await client.post(
        hooks(lab),
        json=new_hook(event_types=["reservation.starting", "reservation.ended"]),
        headers=await auth("alice"),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_")
    assert body["event_types"] == ["reservation.starting", "reservation.ended"]
    assert body["scope"] == {"kind": "site", "ids": [], "include_subtree": False}
    assert created.headers["Location"] == f"{hooks(lab)}/{body['id']}"
    assert len(body["secrets"]) == 1 and body["secrets"][0]["expires_at"] is None

    async with app.state.sessionmaker() as s:
        stored = (await s.execute(select(WebhookSecret.secret_encrypted))).scalar_one()
    assert secret not in stored and BOX.decrypt(stored) == secret

    fetched = await client.get(f"{hooks(lab)}/{body['id']}", headers=await auth("alice"))
    listed = await client.get(hooks(lab), headers=await auth("alice"))
    for response in (fetched, listed):
        assert response.status_code == 200
        assert secret not in response.text and "secret_encrypted" not in response.text
    assert "secret" not in fetched.json()
    assert listed.json()["meta"]["total"] == 1
    assert all(secret not in record.getMessage() for record in caplog.records)
    async with app.state.sessionmaker() as s:
        audit = (await s.execute(select(AuditLogEntry.after))).scalars().all()
    assert audit and all(secret not in str(a) for a in audit)


async def test_a_retried_create_is_refused_because_the_secret_was_already_shown(client, auth, lab):
    headers = {**await auth("alice"), "Idempotency-Key": "create-hook-1"}
    first = await client.post(hooks(lab), json=new_hook(), headers=headers)
    again = await client.post(hooks(lab), json=new_hook(), headers=headers)
    assert first.status_code == 201
    assert first.json()["secret"].startswith("whsec_")
    assert again.status_code == 409, again.text
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"] == "urn:reservation:problem:webhook-secret-already-shown"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["secret"] not in again.text
    listed = await client.get(hooks(lab), headers=await auth("alice"))
    assert listed.json()["meta"]["total"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (new_hook(url="ftp://receiver.example.test/x"), "url"),
        (new_hook(url="https://user:pw@receiver.example.test/x"), "url"),
        (new_hook(url="not a url"), "url"),
        (new_hook(event_types=["reservation.exploded"]), "event_types"),
        (new_hook(scope={"kind": "resource", "ids": []}), "scope"),
        (new_hook(scope={"kind": "site", "include_subtree": True}), "scope"),
        (new_hook(max_concurrency=0), "max_concurrency"),
        (new_hook(surprise=1), "surprise"),
    ],
)
async def test_invalid_subscription_is_refused_with_a_problem_naming_the_field(
    client, auth, lab, body, field
):
    response = await client.post(hooks(lab), json=body, headers=await auth("alice"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert any(field in err["loc"] for err in response.json()["errors"])


async def test_production_requires_https(app, client, auth, lab):
    previous = app.state.settings
    app.state.settings = previous.model_copy(update={"environment": Environment.PRODUCTION})
    try:
        plain = await client.post(
            hooks(lab), json=new_hook(url="http://receiver.example.test/x"),
            headers=await auth("alice"),
        )  # fmt: skip
        tls = await client.post(hooks(lab), json=new_hook(), headers=await auth("alice"))
    finally:
        app.state.settings = previous
    assert plain.status_code == 422 and "https" in plain.json()["detail"]
    assert tls.status_code == 201
    dev = await client.post(
        hooks(lab), json=new_hook(url="http://127.0.0.1:9000/x"), headers=await auth("alice")
    )
    assert dev.status_code == 201


async def test_scope_ids_must_belong_to_the_site(client, auth, lab, session):
    strangers = {name: f"stranger-{name}" for name in ("alice", "bob", "carol", "admin")}
    other = await make_lab(session, strangers)
    foreign = await client.post(
        hooks(lab), json=new_hook(scope={"kind": "resource", "ids": [str(other.server1.id)]}),
        headers=await auth("alice"),
    )  # fmt: skip
    assert foreign.status_code == 422
    assert str(other.server1.id) in foreign.json()["detail"]
    subtree = await client.post(
        hooks(lab),
        json=new_hook(
            scope={"kind": "resource", "ids": [str(lab.rack.id)], "include_subtree": True}
        ),
        headers=await auth("alice"),
    )
    assert subtree.status_code == 201, subtree.text
    assert subtree.json()["scope"]["ids"] == [str(lab.rack.id)]
    by_type = await client.post(
        hooks(lab), json=new_hook(scope={"kind": "resource_type", "ids": [str(lab.rtype.id)]}),
        headers=await auth("alice"),
    )  # fmt: skip
    assert by_type.status_code == 201


async def test_another_sites_subscription_is_not_found(client, auth, lab, session):
    theirs = await subscription(session, lab.other_site.id)
    response = await client.get(f"{hooks(lab)}/{theirs.id}", headers=await auth("alice"))
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM
    deleted = await client.delete(f"{hooks(lab)}/{theirs.id}", headers=await auth("alice"))
    assert deleted.status_code == 404
    # alice can see the other (public) site but administers nothing there
    direct = await client.get(
        f"/api/v1/sites/{lab.other_site.id}/webhooks/{theirs.id}", headers=await auth("alice")
    )
    assert direct.status_code == 403
    carol = await client.get(
        f"/api/v1/sites/{lab.other_site.id}/webhooks/{theirs.id}", headers=await auth("carol")
    )
    assert carol.status_code == 200


async def test_update_needs_the_current_etag(client, auth, lab, session):
    sub = await subscription(
        session, lab.site.id, enabled=False, disabled_reason="receiver answered 410 Gone",
        disabled_at=datetime.now(UTC),
    )  # fmt: skip
    url, headers = f"{hooks(lab)}/{sub.id}", await auth("alice")
    missing = await client.patch(url, json={"name": "x"}, headers=headers)
    assert missing.status_code == 428
    stale = await client.patch(url, json={"name": "x"}, headers={**headers, "If-Match": '"7"'})
    assert stale.status_code == 412
    current = await client.get(url, headers=headers)
    assert current.json()["disabled_reason"] == "receiver answered 410 Gone"
    changed = await client.patch(
        url,
        json={"enabled": True, "event_types": ["reservation.ended"], "rate_limit_per_second": 5},
        headers={**headers, "If-Match": current.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert body["enabled"] is True and body["disabled_reason"] is None
    assert body["event_types"] == ["reservation.ended"] and body["rate_limit_per_second"] == 5
    assert changed.headers["ETag"] == f'"{current.json()["version"] + 1}"'
    null_name = await client.patch(
        url, json={"name": None}, headers={**headers, "If-Match": changed.headers["ETag"]}
    )
    assert null_name.status_code == 422


async def test_rotation_keeps_the_old_secret_signing_until_the_grace_period_ends(
    app, client, auth, lab
):
    headers = await auth("alice")
    created = (await client.post(hooks(lab), json=new_hook(), headers=headers)).json()
    old = created["secret"]
    rotated = await client.post(
        f"{hooks(lab)}/{created['id']}/rotate-secret", json={"grace_period": 3600},
        headers=headers,
    )  # fmt: skip
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new.startswith("whsec_") and new != old
    secrets = rotated.json()["secrets"]
    assert len(secrets) == 2
    expiring = [s for s in secrets if s["expires_at"] is not None]
    assert len(expiring) == 1
    expires = datetime.fromisoformat(expiring[0]["expires_at"])
    assert abs((expires - datetime.now(UTC)) - timedelta(hours=1)) < timedelta(minutes=1)

    # What the processor signs with: every secret still active, both verify.
    signing = await _active_secrets(app)
    assert set(signing) == {old, new}
    msg_id, body, now = "msg_rotation", '{"type":"webhook.ping"}', datetime.now(UTC)
    header = sign(msg_id=msg_id, timestamp=now, body=body, secrets=signing)
    assert len(header.split(" ")) == 2
    for secret in (old, new):
        verify(
            secret=secret,
            body=body,
            headers={
                "webhook-id": msg_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": header,
            },
        )

    immediate = await client.post(
        f"{hooks(lab)}/{created['id']}/rotate-secret", json={"grace_period": 0}, headers=headers
    )
    assert set(await _active_secrets(app)) == {immediate.json()["secret"]}
    assert len(immediate.json()["secrets"]) == 1
    too_long = await client.post(
        f"{hooks(lab)}/{created['id']}/rotate-secret", json={"grace_period": 8 * 86400},
        headers=headers,
    )  # fmt: skip
    assert too_long.status_code == 422


async def _active_secrets(app) -> list[str]:  # type: ignore[no-untyped-def]
    async with app.state.sessionmaker() as s:
        rows = await s.execute(
            select(WebhookSecret.secret_encrypted).where(
                WebhookSecret.expires_at.is_(None) | (WebhookSecret.expires_at > datetime.now(UTC))
            )
        )
        return [BOX.decrypt(r[0]) for r in rows]


async def test_test_event_goes_through_the_outbox_to_that_subscription_only(
    app, client, auth, lab, session
):
    sub = await subscription(session, lab.site.id)
    response = await client.post(f"{hooks(lab)}/{sub.id}/test", headers=await auth("alice"))
    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]
    async with app.state.sessionmaker() as s:
        row = (await s.execute(select(OutboxMessage))).scalar_one()
    assert row.type == "webhook.ping" and row.payload["id"] == event_id
    assert row.payload["data"]["subscription_id"] == str(sub.id)
    assert row.payload["data"]["site"]["id"] == str(lab.site.id)

    disabled = await subscription(session, lab.site.id, enabled=False)
    refused = await client.post(f"{hooks(lab)}/{disabled.id}/test", headers=await auth("alice"))
    assert refused.status_code == 409


async def test_deliveries_are_filtered_and_paginated_in_sql(client, auth, lab, session):
    sub = await subscription(session, lab.site.id)
    old = datetime.now(UTC) - timedelta(days=3)
    await delivery(session, sub, status="failed", created_at=old)
    failed = await delivery(session, sub, status="failed", attempts=3)
    await delivery(session, sub, status="succeeded", event_type="reservation.ended")
    await delivery(session, sub, status="pending", event_type="reservation.ended")
    other = await subscription(session, lab.site.id)
    await delivery(session, other, status="failed")
    url, headers = f"{hooks(lab)}/{sub.id}/deliveries", await auth("alice")

    everything = (await client.get(url, headers=headers)).json()
    assert everything["meta"]["total"] == 4
    only_failed = (await client.get(url, params={"status": "failed"}, headers=headers)).json()
    assert only_failed["meta"]["total"] == 2
    ended = (
        await client.get(url, params={"event_type": "reservation.ended"}, headers=headers)
    ).json()
    assert {d["status"] for d in ended["items"]} == {"succeeded", "pending"}
    recent = await client.get(
        url, params={"since": (old + timedelta(days=1)).isoformat()}, headers=headers
    )
    assert recent.json()["meta"]["total"] == 3
    page = (await client.get(url, params={"size": 1, "page": 2}, headers=headers)).json()
    assert len(page["items"]) == 1 and page["meta"]["pages"] == 4
    bad = await client.get(url, params={"status": "exploded"}, headers=headers)
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    naive = await client.get(url, params={"since": "2026-01-01T00:00:00"}, headers=headers)
    assert naive.status_code == 422

    attempts = await client.get(f"{url}/{failed.id}/attempts", headers=headers)
    assert attempts.status_code == 200
    assert attempts.json()["meta"]["total"] == 3
    assert attempts.json()["items"][0]["status_code"] == 500
    unknown = await client.get(f"{url}/{uuid.uuid4()}/attempts", headers=headers)
    assert unknown.status_code == 404


async def test_redeliver_one_and_all_failed_since(app, client, auth, lab, session):
    sub = await subscription(session, lab.site.id)
    long_ago = datetime.now(UTC) - timedelta(days=10)
    ancient = await delivery(session, sub, status="failed", created_at=long_ago)
    failed = [await delivery(session, sub, status="failed", attempts=8) for _ in range(3)]
    pending = await delivery(session, sub, status="pending")
    url, headers = f"{hooks(lab)}/{sub.id}/deliveries", await auth("alice")

    one = await client.post(f"{url}/{failed[0].id}/redeliver", headers=headers)
    assert one.status_code == 202, one.text
    assert one.json()["status"] == "pending" and one.json()["attempts"] == 0
    assert one.json()["webhook_id"] == failed[0].webhook_id
    busy = await client.post(f"{url}/{pending.id}/redeliver", headers=headers)
    assert busy.status_code == 409
    missing = await client.post(f"{url}/{uuid.uuid4()}/redeliver", headers=headers)
    assert missing.status_code == 404

    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    bulk = await client.post(f"{url}/redeliver-failed", json={"since": since}, headers=headers)
    assert bulk.status_code == 202
    assert bulk.json() == {"redelivered": 2}
    async with app.state.sessionmaker() as s:
        rows = await s.execute(select(WebhookDelivery.id, WebhookDelivery.status))
        statuses = {row.id: row.status for row in rows}
    assert statuses[ancient.id] == "failed"
    assert all(statuses[d.id] == "pending" for d in failed)


async def test_deleting_a_subscription_removes_its_secrets_and_deliveries(
    app, client, auth, lab, session
):
    sub = await subscription(session, lab.site.id)
    await delivery(session, sub)
    response = await client.delete(f"{hooks(lab)}/{sub.id}", headers=await auth("admin"))
    assert response.status_code == 204
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(WebhookSecret))).first() is None
        assert (await s.execute(select(WebhookDelivery))).first() is None
    again = await client.get(f"{hooks(lab)}/{sub.id}", headers=await auth("admin"))
    assert again.status_code == 404
