"""One booking, one trace: the API request, the outbox row, the relay's publish, the processor's
consume and the webhook attempt, joined by the W3C trace context at every hop.

Everything runs here against the real PostgreSQL and RabbitMQ: the API (in-process through
ASGI, with a token of the test realm), the backend's relay, the processor and a receiver.
Spans go to the in-memory exporter.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from factories import create_site, create_subscription, reservation_event
from live import AMQP_URL, Received, Receiver, delete_broker_objects, wait_for
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, TracerProvider
from pydantic import SecretStr
from reservation_be.kit.outbox import enqueue
from reservation_be.main import close_app, create_app
from reservation_be.settings import Settings as BackendSettings
from reservation_be.workers.relay import OutboxRelay
from reservation_common.crypto import SecretBox
from reservation_common.tracing import create_tracer_provider
from reservation_db.models import OutboxMessage, User
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from reservation_db.models.site_member import SiteMember
from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_event_processor.app import Processor
from reservation_event_processor.settings import Settings
from reservation_testrealm import TestRealm
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SM = async_sessionmaker[AsyncSession]


@pytest.fixture
async def names() -> AsyncIterator[tuple[str, str]]:
    suffix = uuid.uuid4().hex[:10]
    exchange, queue = f"test.trace.{suffix}", f"test-trace-{suffix}"
    yield exchange, queue
    await delete_broker_objects(exchange, queue)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@dataclass
class Booked:
    status_code: int
    received: list[Received]
    outbox_context: dict[str, str] | None
    delivery_context: dict[str, str] | None


async def book_through_the_pipeline(
    *,
    sm: SM,
    box: SecretBox,
    settings: Settings,
    database_url: str,
    names: tuple[str, str],
    test_realm: TestRealm,
    tracer_provider: TracerProvider | None,
) -> Booked:
    """Book once through the API and wait until the receiver has the webhook."""
    site = await create_site(sm)
    bob = test_realm.user_id("bob")
    async with sm() as session, session.begin():
        await session.execute(
            insert(User)
            .values(id=bob, username="bob")
            .on_conflict_do_nothing(index_elements=["id"])
        )
        session.add(SiteMember(site_id=site.id, user_id=bob, role="member"))
        rtype = ResourceType(site_id=site.id, name="server")
        session.add(rtype)
        await session.flush()
        resource = Resource(site_id=site.id, type_id=rtype.id, name="server-1")
        session.add(resource)
        await session.flush()
        resource_id = resource.id
    receiver = Receiver()
    _, [secret] = await create_subscription(sm, box, site=site, url=receiver.url("hook"))
    receiver.secrets["hook"] = secret
    await receiver.start()
    processor = Processor(
        settings.model_copy(
            update={
                "amqp_url": SecretStr(AMQP_URL),
                "exchange": names[0],
                "queue": names[1],
                "ssrf_allowlist": ["127.0.0.1/32"],
            }
        ),
        serve_http=False,
        tracer_provider=tracer_provider,
    )
    relay = OutboxRelay(
        sessionmaker=sm,
        amqp_url=AMQP_URL,
        exchange=names[0],
        sweep_interval=timedelta(milliseconds=200),
        tracer_provider=tracer_provider,
    )
    app = create_app(
        BackendSettings(
            database_url=database_url,
            database_pool_size=2,
            database_max_overflow=2,
            oidc_issuer=test_realm.issuer,
            workers_enabled=False,
        ),
        tracer_provider=tracer_provider,
    )
    running = asyncio.create_task(processor.run())
    relaying = asyncio.create_task(relay.run())
    try:
        consumer = processor.consumer
        assert consumer is not None
        await wait_for(lambda: consumer.ready, timeout=10, what="consumer ready")
        token = await asyncio.to_thread(test_realm.token, "bob")
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as client:
            response = await client.post(
                "/api/v1/reservations",
                json={
                    "resource_id": str(resource_id),
                    "title": "traced",
                    "start": start.isoformat(),
                    "end": (start + timedelta(hours=1)).isoformat(),
                },
                headers={"Authorization": f"Bearer {token}"},
            )
        assert response.status_code == 201, response.text
        await wait_for(lambda: len(receiver.received) >= 1, timeout=30, what="the webhook")
        await asyncio.sleep(0.3)  # nothing more arrives
    finally:
        relay.stop()
        processor.stop()
        await asyncio.wait_for(asyncio.gather(running, relaying), timeout=30)
        await receiver.stop()
        await close_app(app)
    async with sm() as session:
        outbox_context = (await session.execute(select(OutboxMessage.trace_context))).scalar_one()
        delivery_context = (
            await session.execute(select(WebhookDelivery.trace_context))
        ).scalar_one()
    return Booked(response.status_code, receiver.received, outbox_context, delivery_context)


def _one(spans: list[ReadableSpan], kind: SpanKind, name: str) -> ReadableSpan:
    found = [s for s in spans if s.kind is kind and s.name.startswith(name)]
    assert len(found) == 1, [(s.name, s.kind) for s in spans]
    return found[0]


def _ids(span: ReadableSpan) -> tuple[str, str]:
    context = span.get_span_context()
    assert context is not None
    return format(context.trace_id, "032x"), format(context.span_id, "016x")


def _traceparent_ids(value: str) -> tuple[str, str]:
    version, trace_id, span_id, _flags = value.split("-")
    assert version == "00"
    return trace_id, span_id


def _parent_id(span: ReadableSpan) -> str | None:
    return format(span.parent.span_id, "016x") if span.parent is not None else None


async def test_one_booking_is_one_connected_trace_from_the_request_to_the_webhook(
    sm: SM,
    box: SecretBox,
    settings: Settings,
    database_url: str,
    names: tuple[str, str],
    test_realm: TestRealm,
    exporter: InMemorySpanExporter,
) -> None:
    provider = create_tracer_provider("reservation-test", exporter=exporter)
    booked = await book_through_the_pipeline(
        sm=sm,
        box=box,
        settings=settings,
        database_url=database_url,
        names=names,
        test_realm=test_realm,
        tracer_provider=provider,
    )
    spans = list(exporter.get_finished_spans())

    request = _one(spans, SpanKind.SERVER, "POST /api/v1/reservations")
    publish = _one(spans, SpanKind.PRODUCER, f"publish {names[0]}")
    consume = _one(spans, SpanKind.CONSUMER, f"process {names[1]}")
    deliver = _one(spans, SpanKind.INTERNAL, "deliver webhook")
    post = _one(spans, SpanKind.CLIENT, "POST")
    trace_id, request_id = _ids(request)
    # Each hop is the child of the one before: the outbox row carried the request's context,
    # the message headers the publish span's, the delivery row the consume span's.
    assert _parent_id(publish) == request_id
    assert _parent_id(consume) == _ids(publish)[1]
    assert _parent_id(deliver) == _ids(consume)[1]
    assert _parent_id(post) == _ids(deliver)[1]
    # One trace, connected: every span of the run is in it and has its parent among them.
    assert {_ids(s)[0] for s in spans} == {trace_id}
    span_ids = {_ids(s)[1] for s in spans}
    assert [s.name for s in spans if s.parent is None] == [request.name]
    assert all(_parent_id(s) in span_ids for s in spans if s is not request)
    # The booking's SQL ran inside the request span.
    assert any(s.kind is SpanKind.CLIENT and _parent_id(s) == request_id for s in spans)
    assert publish.attributes is not None
    assert publish.attributes["messaging.rabbitmq.destination.routing_key"] == (
        "reservation.created"
    )

    assert booked.outbox_context is not None
    assert _traceparent_ids(booked.outbox_context["traceparent"]) == (trace_id, request_id)
    assert booked.delivery_context is not None
    assert _traceparent_ids(booked.delivery_context["traceparent"]) == _ids(consume)
    [webhook] = booked.received
    assert webhook.verified
    assert _traceparent_ids(webhook.headers["traceparent"]) == _ids(post)


async def test_with_tracing_off_no_trace_context_is_stored_or_sent(
    sm: SM,
    box: SecretBox,
    settings: Settings,
    database_url: str,
    names: tuple[str, str],
    test_realm: TestRealm,
) -> None:
    assert not settings.tracing_enabled
    assert BackendSettings.model_fields["tracing_enabled"].default is False
    booked = await book_through_the_pipeline(
        sm=sm,
        box=box,
        settings=settings,
        database_url=database_url,
        names=names,
        test_realm=test_realm,
        tracer_provider=None,
    )
    [webhook] = booked.received
    assert webhook.verified
    assert "traceparent" not in webhook.headers
    assert "tracestate" not in webhook.headers
    assert booked.outbox_context is None
    assert booked.delivery_context is None


async def test_without_a_broker_the_outbox_transport_continues_the_trace_and_each_retry_joins_it(
    sm: SM, box: SecretBox, settings: Settings, exporter: InMemorySpanExporter
) -> None:
    provider = create_tracer_provider("reservation-test", exporter=exporter)
    site = await create_site(sm)
    receiver = Receiver()
    _, [secret] = await create_subscription(sm, box, site=site, url=receiver.url("hook"))
    # The first attempt is refused (wrong secret: 400), the retry is accepted.
    receiver.secrets["hook"] = "whsec_" + "A" * 32
    await receiver.start()
    tracer = provider.get_tracer(__name__)
    with tracer.start_as_current_span("request", kind=SpanKind.SERVER) as request:
        async with sm() as session, session.begin():
            await enqueue(session, reservation_event(site))
    processor = Processor(
        settings.model_copy(update={"ssrf_allowlist": ["127.0.0.1/32"]}),
        serve_http=False,
        tracer_provider=provider,
    )
    running = asyncio.create_task(processor.run())
    try:
        await wait_for(lambda: len(receiver.received) >= 1, timeout=20, what="first attempt")
        receiver.secrets["hook"] = secret
        await wait_for(lambda: len(receiver.received) >= 2, timeout=20, what="the retry")
    finally:
        processor.stop()
        await asyncio.wait_for(running, timeout=30)
        await receiver.stop()
    spans = list(exporter.get_finished_spans())
    process = _one(spans, SpanKind.CONSUMER, "process outbox")
    delivers = [s for s in spans if s.name == "deliver webhook"]
    posts = [s for s in spans if s.kind is SpanKind.CLIENT and s.name.startswith("POST")]
    trace_id, request_id = _ids(request)
    assert _parent_id(process) == request_id
    assert len(delivers) == 2 and all(_parent_id(d) == _ids(process)[1] for d in delivers)
    assert [d.attributes["webhook.attempt"] for d in delivers] == [1, 2]
    assert not delivers[0].status.is_ok and delivers[1].status.is_unset
    assert {_ids(s)[0] for s in spans} == {trace_id}
    sent = [_traceparent_ids(r.headers["traceparent"]) for r in receiver.received]
    assert sent == [_ids(p) for p in posts]
