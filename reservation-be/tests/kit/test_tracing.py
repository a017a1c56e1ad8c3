"""TRACING_ENABLED: the API's spans leave by OTLP/HTTP to the collector the standard variable
names, probes are not traced, and the outbox row keeps the request's trace context."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from reservation_be.main import close_app, create_app
from reservation_be.settings import Settings
from reservation_db.models import OutboxMessage
from sqlalchemy import select

from tests.reservations.factories import booking, hours_from_now, make_lab


class _Collector(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, str, bytes]] = []

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    server: _Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.server.requests.append((self.path, self.headers["content-type"], body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[_Collector]:
    server = _Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


async def test_with_tracing_enabled_the_api_exports_its_spans_by_otlp(
    settings: Settings, db, session, people, auth, collector, monkeypatch
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint)
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    lab = await make_lab(session, people)
    app = create_app(settings.model_copy(update={"tracing_enabled": True}))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/healthz")).status_code == 200
            created = await client.post(
                "/api/v1/reservations",
                json=booking(lab.server1, hours_from_now(0), hours_from_now(1)),
                headers=await auth("bob"),
            )
            assert created.status_code == 201, created.text
    finally:
        await close_app(app)  # flushes the batch to the collector

    assert collector.requests, "nothing was exported"
    spans = []
    for path, content_type, body in collector.requests:
        assert (path, content_type) == ("/v1/traces", "application/x-protobuf")
        for resource_spans in ExportTraceServiceRequest.FromString(body).resource_spans:
            attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            assert attributes["service.name"] == "reservation-be"
            spans += [s for scope in resource_spans.scope_spans for s in scope.spans]
    [request] = [s for s in spans if s.name == "POST /api/v1/reservations"]
    assert not [s for s in spans if "healthz" in s.name]
    # The booking's SQL is inside the request, and its outbox row names the request span.
    assert [s for s in spans if s.parent_span_id == request.span_id]
    stored = (await session.execute(select(OutboxMessage.trace_context))).scalar_one()
    assert stored["traceparent"].split("-")[1:3] == [request.trace_id.hex(), request.span_id.hex()]


async def test_tracing_is_off_by_default_and_the_outbox_row_keeps_no_context(
    client, session, people, auth
) -> None:
    assert Settings.model_fields["tracing_enabled"].default is False
    lab = await make_lab(session, people)
    created = await client.post(
        "/api/v1/reservations",
        json=booking(lab.server1, hours_from_now(0), hours_from_now(1)),
        headers=await auth("bob"),
    )
    assert created.status_code == 201, created.text
    assert (await session.execute(select(OutboxMessage.trace_context))).scalar_one() is None
