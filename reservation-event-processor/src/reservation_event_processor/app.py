"""Wires the processor together: transport -> fan-out -> delivery worker, plus the probes."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
from opentelemetry.trace import TracerProvider
from reservation_common.crypto import SecretBox
from reservation_common.tracing import create_tracer_provider
from reservation_db.engine import ping_when_idle
from sqlalchemy import literal, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from reservation_event_processor.consumer import Consumer
from reservation_event_processor.delivery import DeliveryWorker, Sender, create_http_client
from reservation_event_processor.health import create_app, create_server
from reservation_event_processor.intake import EventIntake
from reservation_event_processor.outbox_source import OutboxSource
from reservation_event_processor.settings import Settings
from reservation_event_processor.ssrf import Resolver, SsrfGuard, system_resolver

logger = logging.getLogger(__name__)


class Processor:
    def __init__(
        self,
        settings: Settings,
        *,
        http_client: httpx.AsyncClient | None = None,
        resolver: Resolver = system_resolver,
        serve_http: bool = True,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        """``tracer_provider`` traces it whatever ``TRACING_ENABLED`` says (tests pass one)."""
        self.settings = settings
        self._own_tracer_provider = (
            create_tracer_provider("reservation-event-processor")
            if tracer_provider is None and settings.tracing_enabled
            else None
        )
        tracer_provider = tracer_provider or self._own_tracer_provider
        tracer = tracer_provider.get_tracer(__name__) if tracer_provider is not None else None
        self.engine: AsyncEngine = create_async_engine(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_pool_size,
            connect_args={"server_settings": {"application_name": "reservation-event-processor"}},
        )
        ping_when_idle(self.engine)
        self.sessionmaker = async_sessionmaker(self.engine, expire_on_commit=False)
        guard = SsrfGuard(settings.ssrf_allowlist, resolver=resolver)
        # A client passed in must dial through ssrf.guarded_transport, as this default does.
        self._own_client = http_client is None
        self.http_client = http_client or create_http_client(settings, guard=guard)
        if tracer_provider is not None:
            # A client span per request, and its traceparent on the webhook POST. Imported
            # here: with tracing off the instrumentation is never loaded.
            from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

            HTTPXClientInstrumentor.instrument_client(
                self.http_client, tracer_provider=tracer_provider
            )
        self.worker = DeliveryWorker(
            sessionmaker=self.sessionmaker,
            sender=Sender(
                client=self.http_client,
                guard=guard,
                timeout=settings.http_timeout,
                transport_retries=settings.transport_retries,
                user_agent=settings.user_agent,
            ),
            secret_box=SecretBox(settings.webhook_secrets_key.get_secret_value()),
            settings=settings,
            tracer=tracer,
        )
        self._stopping = asyncio.Event()
        self.intake = EventIntake(
            sessionmaker=self.sessionmaker,
            on_new_deliveries=self.worker.wake,
            is_stopping=self._stopping.is_set,
        )
        self.consumer: Consumer | None = None
        self.outbox: OutboxSource | None = None
        if settings.amqp_url is not None:
            self.consumer = Consumer(
                url=settings.amqp_url.get_secret_value(),
                exchange=settings.exchange,
                queue=settings.queue,
                prefetch=settings.prefetch,
                delivery_limit=settings.delivery_limit,
                handler=self.intake,
                tracer=tracer,
            )
        else:
            logger.warning("no AMQP_URL: reading the outbox in-process (dev only)")
            self.outbox = OutboxSource(
                sessionmaker=self.sessionmaker,
                on_new_deliveries=self.worker.wake,
                poll_interval=settings.poll_interval,
                tracer=tracer,
            )
        self.server = (
            create_server(create_app(self.readiness), host=settings.host, port=settings.port)
            if serve_http
            else None
        )

    async def readiness(self) -> dict[str, bool]:
        checks = {"database": await self._database_ok()}
        if self.consumer is not None:
            checks["broker"] = self.consumer.ready
        return checks

    async def _database_ok(self) -> bool:
        try:
            async with asyncio.timeout(2), self.engine.connect() as conn:
                await conn.execute(select(literal(1)))
        except (SQLAlchemyError, OSError, TimeoutError):
            return False
        return True

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Run until ``stop()``; then finish in-flight attempts (within SHUTDOWN_GRACE)."""
        tasks = [asyncio.create_task(self.worker.run(), name="delivery")]
        if self.consumer is not None:
            tasks.append(asyncio.create_task(self.consumer.run(), name="consumer"))
        if self.outbox is not None:
            tasks.append(asyncio.create_task(self.outbox.run(), name="outbox"))
        if self.server is not None:
            tasks.append(asyncio.create_task(self.server.serve(), name="http"))
        logger.info("event processor started")
        stop_wait = asyncio.create_task(self._stopping.wait())
        done, _ = await asyncio.wait({stop_wait, *tasks}, return_when=asyncio.FIRST_COMPLETED)
        for task in done - {stop_wait}:
            if task.exception() is not None:
                logger.error("%s stopped unexpectedly", task.get_name(), exc_info=task.exception())
        self._stopping.set()
        logger.info("shutting down")
        if self.consumer is not None:
            self.consumer.stop()
        if self.outbox is not None:
            self.outbox.stop()
        self.worker.stop()
        cancelled = await self.worker.drain(self.settings.shutdown_grace.total_seconds())
        if cancelled:
            logger.warning(
                "%d attempts cut short; their leases expire and they are retried", cancelled
            )
        if self.server is not None:
            self.server.should_exit = True
        await asyncio.wait(tasks, timeout=35)
        for task in tasks:
            if not task.done():
                task.cancel()
        stop_wait.cancel()
        await self.close()
        logger.info("event processor stopped")

    async def close(self) -> None:
        if self._own_client:
            await self.http_client.aclose()
        with contextlib.suppress(SQLAlchemyError, OSError):
            await self.engine.dispose()
        if self._own_tracer_provider is not None:
            # Flushes the last batch of spans to the exporter (blocking I/O).
            await asyncio.to_thread(self._own_tracer_provider.shutdown)
