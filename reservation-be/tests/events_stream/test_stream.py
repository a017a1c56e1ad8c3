"""The per-user event stream over real HTTP (uvicorn), driven by PostgreSQL NOTIFY."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
import pytest
from reservation_be.events_stream.auth import RedactAccessToken
from reservation_be.events_stream.settings import StreamSettings
from reservation_be.kit.notifications import notify
from reservation_be.main import create_app
from reservation_be.testing import serve_in_thread
from reservation_db.models.reservation import Reservation

from tests.reservations.factories import Lab, make_lab
from tests.workers.helpers import now, place
from tests.workers.live import eventually


@dataclass
class Stream:
    """Reads one event stream in the background into parsed events."""

    response: httpx.Response
    events: list[dict[str, str]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    async def read(self) -> None:
        current: dict[str, str] = {}
        async for line in self.response.aiter_lines():
            if line == "":
                if "data" in current:
                    self.events.append(current)
                current = {}
            elif line.startswith(":"):
                self.comments.append(line[1:].strip())
            else:
                name, _, value = line.partition(":")
                current[name] = value.removeprefix(" ")

    def of(self, kind: str) -> list[dict[str, object]]:
        return [json.loads(e["data"]) for e in self.events if e.get("event") == kind]


@pytest.fixture(scope="module")
def base_url(settings) -> Iterator[str]:  # type: ignore[no-untyped-def]
    app = create_app(settings, events_stream_settings=StreamSettings(heartbeat=0.3))
    with serve_in_thread(app) as url:
        yield url


@pytest.fixture
async def http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as c:
        yield c


@contextlib.asynccontextmanager
async def streaming(
    http: httpx.AsyncClient, headers: dict[str, str], params: dict[str, str] | None = None
) -> AsyncIterator[Stream]:
    async with http.stream(
        "GET", "/api/v1/events/stream", headers=headers, params=params
    ) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = Stream(response)
        reader = asyncio.create_task(stream.read())
        try:
            await eventually(lambda: "connected" in stream.comments, timeout=10, what="connect")
            yield stream
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, httpx.HTTPError):
                await reader


@pytest.fixture
async def lab(session, people) -> Lab:
    return await make_lab(session, people)


async def test_a_new_notification_reaches_its_user_only(http, auth, session, people, lab):
    async with streaming(http, await auth("bob")) as stream:
        await notify(session, people["alice"], "test", "for alice")
        await notify(session, people["bob"], "test", "for bob", [{"rel": "x", "href": "/y"}])
        await session.commit()
        await eventually(lambda: stream.of("notification"), timeout=5, what="a notification")
        await asyncio.sleep(0.2)
    [note] = stream.of("notification")
    assert note["message"] == "for bob" and note["links"] == [{"rel": "x", "href": "/y"}]
    assert stream.events[-1]["id"] == note["id"]


async def test_changes_of_the_users_reservations_are_streamed(http, auth, session, people, lab):
    async with streaming(http, await auth("bob")) as stream:
        start = now() + timedelta(hours=1)
        rid = await place(session, lab, people["bob"], start, start + timedelta(hours=1))
        await place(session, lab, people["alice"], start, start + timedelta(hours=1),
                    resource=lab.server2)  # fmt: skip
        reservation = await session.get(Reservation, rid)
        assert reservation is not None
        reservation.provisioning_state = "ready"
        await session.commit()
        await eventually(lambda: len(stream.of("reservation")) >= 2, timeout=5, what="changes")
        await asyncio.sleep(0.2)
    changes = stream.of("reservation")
    assert {c["id"] for c in changes} == {str(rid)}
    assert changes[0]["status"] == "confirmed" and changes[0]["provisioning_state"] == "pending"
    assert changes[-1]["provisioning_state"] == "ready"


async def test_heartbeats_keep_an_idle_stream_open(http, auth, db):
    async with streaming(http, await auth("bob")) as stream:
        await eventually(
            lambda: stream.comments.count("keep-alive") >= 2, timeout=5, what="heartbeats"
        )


@pytest.mark.parametrize("with_header", [False, True], ids=["query-only", "query-and-header"])
async def test_an_access_token_in_the_query_is_refused(http, test_realm, auth, db, with_header):
    # URLs end up in proxy logs: a valid token there is refused, so clients stop sending it.
    headers = await auth("bob") if with_header else {}
    response = await http.get(
        "/api/v1/events/stream", headers=headers, params={"access_token": test_realm.token("bob")}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "Authorization header" in response.json()["detail"]


async def test_streams_per_user_are_capped(settings, auth, db):
    app = create_app(
        settings,
        events_stream_settings=StreamSettings(heartbeat=0.3, max_streams_per_user=2),
    )
    bob, alice = await auth("bob"), await auth("alice")
    with serve_in_thread(app) as url:
        async with httpx.AsyncClient(base_url=url, timeout=10) as http:
            async with streaming(http, bob), streaming(http, bob):
                refused = await http.get("/api/v1/events/stream", headers=bob)
                assert refused.status_code == 429
                assert refused.headers["content-type"] == "application/problem+json"
                assert int(refused.headers["retry-after"]) >= 1
                assert "at once" in refused.json()["detail"]
                async with streaming(http, alice):
                    pass  # another user is not affected
            # Both closed: the server notices the disconnections and bob may open again.
            for _ in range(100):
                response = await http.get(
                    "/api/v1/events/stream", headers=bob, params={"duration": "0"}
                )
                if response.status_code == 200:
                    break
                await asyncio.sleep(0.05)
            assert response.status_code == 200


async def test_access_token_never_reaches_the_access_log():
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", "/api/v1/events/stream?access_token=eyJ.secret.sig&x=1", "1.1",
         200),
        None,
    )  # fmt: skip
    assert RedactAccessToken().filter(record)
    line = record.getMessage()
    assert "eyJ.secret.sig" not in line and "access_token=[redacted]&x=1" in line
    assert any(
        isinstance(f, RedactAccessToken) for f in logging.getLogger("uvicorn.access").filters
    )


@pytest.mark.parametrize(
    ("headers", "params", "status"),
    [
        ({}, None, 401),
        ({"Authorization": "Bearer not-a-token"}, None, 401),
        ({}, {"access_token": "not-a-token"}, 401),
    ],
)
async def test_a_stream_without_a_valid_token_is_refused(http, headers, params, status, db):
    response = await http.get("/api/v1/events/stream", headers=headers, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


async def test_service_accounts_have_no_stream(http, service_auth, db):
    response = await http.get(
        "/api/v1/events/stream", headers=await service_auth("reservation-event-processor")
    )
    assert response.status_code == 403


async def test_reconnecting_with_last_event_id_replays_missed_notifications(
    http, auth, session, people, lab
):
    first = await notify(session, people["bob"], "test", "one")
    await session.commit()
    for text in ("two", "three"):
        await notify(session, people["bob"], "test", text)
        await session.commit()
    headers = {**await auth("bob"), "Last-Event-ID": str(first.id)}
    async with streaming(http, headers) as stream:
        await eventually(lambda: len(stream.of("notification")) >= 2, timeout=5, what="replay")
    assert [n["message"] for n in stream.of("notification")] == ["two", "three"]


async def test_the_stream_ends_after_the_requested_duration(http, auth, db):
    response = await http.get(
        "/api/v1/events/stream", params={"duration": "0.5"}, headers=await auth("bob")
    )
    assert response.status_code == 200
    assert "connected" in response.text
