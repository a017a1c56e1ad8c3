import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from receiver import MAX_BODY_BYTES, create_app
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OTHER_SECRET = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"


def signed(
    body: bytes,
    *,
    msg_id: str = "msg_1",
    secret: str = SECRET,
    at: datetime | None = None,
) -> dict[str, str]:
    at = at or datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body.decode()),
    }


def event_body(event_id: str = "evt_1") -> bytes:
    event = {
        "id": event_id,
        "type": "webhook.ping",
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {},
    }
    return json.dumps(event).encode()


@pytest.fixture
def handled() -> list[dict[str, Any]]:
    return []


@pytest.fixture
async def client(handled: list[dict[str, Any]]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(SECRET, handle=handled.append)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://receiver") as c:
        yield c


async def test_valid_event_is_accepted_and_handled(client, handled) -> None:
    body = event_body()
    response = await client.post("/webhook", content=body, headers=signed(body))
    assert response.status_code == 202
    assert response.json() == {"status": "accepted"}
    assert [e["id"] for e in handled] == ["evt_1"]


async def test_same_webhook_id_twice_is_handled_once(client, handled) -> None:
    body = event_body()
    first = await client.post("/webhook", content=body, headers=signed(body, msg_id="msg_7"))
    again = await client.post("/webhook", content=body, headers=signed(body, msg_id="msg_7"))
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == {"status": "duplicate"}
    assert len(handled) == 1


async def test_tampered_body_is_refused(client, handled) -> None:
    headers = signed(event_body())
    response = await client.post("/webhook", content=event_body("evt_forged"), headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "signature" in response.json()["detail"].lower()
    assert handled == []


async def test_old_timestamp_is_refused(client, handled) -> None:
    body = event_body()
    stale = datetime.now(UTC) - timedelta(minutes=10)
    response = await client.post("/webhook", content=body, headers=signed(body, at=stale))
    assert response.status_code == 401
    assert "too old" in response.json()["detail"]
    assert handled == []


async def test_wrong_secret_is_refused(client, handled) -> None:
    body = event_body()
    response = await client.post(
        "/webhook", content=body, headers=signed(body, secret=OTHER_SECRET)
    )
    assert response.status_code == 401
    assert handled == []


async def test_missing_headers_are_refused(client, handled) -> None:
    response = await client.post("/webhook", content=event_body())
    assert response.status_code == 401
    assert response.json()["detail"] == "Missing required headers"
    assert handled == []


async def test_refused_delivery_does_not_burn_its_webhook_id(client, handled) -> None:
    body = event_body()
    forged = await client.post("/webhook", content=body, headers=signed(body, secret=OTHER_SECRET))
    genuine = await client.post("/webhook", content=body, headers=signed(body))
    assert (forged.status_code, genuine.status_code) == (401, 202)
    assert len(handled) == 1


def test_module_app_is_built_from_the_environment(monkeypatch) -> None:
    import receiver

    monkeypatch.setenv("WEBHOOK_SECRET", SECRET)
    assert "/webhook" in [route.path for route in receiver.app.routes]  # what uvicorn loads


async def test_rotation_with_several_signatures_is_accepted(client, handled) -> None:
    body, at = event_body(), datetime.now(UTC)
    headers = signed(body, secret=OTHER_SECRET, at=at)  # the retired secret's signature ...
    current = signed(body, secret=SECRET, at=at)["webhook-signature"]  # ... and the new one's
    headers["webhook-signature"] = f"{headers['webhook-signature']} {current}"
    response = await client.post("/webhook", content=body, headers=headers)
    assert response.status_code == 202
    assert len(handled) == 1


async def test_an_oversized_body_is_refused_before_it_is_read(client, handled) -> None:
    sent = 0

    async def endless() -> AsyncIterator[bytes]:  # chunked: no Content-Length to go by
        nonlocal sent
        for _ in range(10_000):  # 640 MB if the receiver read it all
            sent += 64 * 1024
            yield b"x" * (64 * 1024)

    headers = signed(event_body())
    response = await client.post("/webhook", content=endless(), headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert sent <= MAX_BODY_BYTES + 64 * 1024
    assert handled == []


async def test_an_oversized_declared_length_is_refused_without_reading(client, handled) -> None:
    body = b" " * (MAX_BODY_BYTES + 1)
    response = await client.post("/webhook", content=body, headers=signed(body))
    assert response.status_code == 413
    assert handled == []


async def test_a_body_at_the_limit_is_accepted(client, handled) -> None:
    event = json.loads(event_body())
    event["data"] = {"padding": ""}
    filler = MAX_BODY_BYTES - len(json.dumps(event).encode())
    event["data"]["padding"] = "p" * filler
    body = json.dumps(event).encode()
    assert len(body) == MAX_BODY_BYTES
    response = await client.post("/webhook", content=body, headers=signed(body))
    assert response.status_code == 202
    assert len(handled) == 1
