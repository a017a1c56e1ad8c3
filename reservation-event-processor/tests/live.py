"""Real servers for the integration suites: a webhook receiver under uvicorn, a raw HTTP
listener that records every connection, a TCP proxy that can cut connections, and a publisher to
RabbitMQ with publisher confirms."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

import aio_pika
import uvicorn
from reservation_common.testing import free_port
from reservation_event_processor.health import EmbeddedServer
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def hand_verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return f"v1,{expected}" in headers["webhook-signature"].split(" ")


@dataclass
class Received:
    path: str
    webhook_id: str
    body: bytes
    verified: bool
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Receiver:
    """Accepts webhooks on ``/<name>`` and checks them with the secret registered for the name."""

    port: int = field(default_factory=free_port)
    secrets: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    delay: float = 0.0
    server: uvicorn.Server | None = None
    task: asyncio.Task[None] | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        name = request.path_params["name"]
        headers = dict(request.headers)
        try:
            Webhook(self.secrets[name]).verify(body, headers)
            verified = hand_verify(self.secrets[name], headers, body)
        except (WebhookVerificationError, KeyError):
            verified = False
        if self.delay:
            await asyncio.sleep(self.delay)
        self.received.append(Received(name, headers.get("webhook-id", ""), body, verified, headers))
        return Response(status_code=204 if verified else 400)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/{name}", self._hook, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False
        )
        self.server = EmbeddedServer(config)
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(200):
            if self.server.started:
                return
            await asyncio.sleep(0.01)
        raise RuntimeError("receiver did not start")

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task
            self.server = None


@dataclass
class RawListener:
    """An HTTP/1.1 listener on loopback that counts connections and keeps each request's head
    (and, over TLS, the server name the client asked for); it answers with ``response``."""

    response: bytes = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n"
    ssl_context: ssl.SSLContext | None = None
    port: int = field(default_factory=free_port)
    connections: int = 0
    bytes_received: int = 0
    heads: list[bytes] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    async def start(self) -> None:
        if self.ssl_context is not None:
            self.ssl_context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, ssl=self.ssl_context
        )

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.add(writer)
        with contextlib.suppress(ConnectionError, OSError, asyncio.IncompleteReadError):
            while head := await reader.readuntil(b"\r\n\r\n"):
                self.bytes_received += len(head)
                self.heads.append(head)
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                self.bytes_received += len(await reader.readexactly(length))
                writer.write(self.response)
                await writer.drain()
        with contextlib.suppress(Exception):
            writer.close()

    async def stop(self) -> None:
        for writer in self._writers:
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class Publisher:
    def __init__(self, exchange: str) -> None:
        self._exchange_name = exchange
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._exchange: aio_pika.abc.AbstractExchange | None = None

    async def __aenter__(self) -> Publisher:
        self._connection = await aio_pika.connect(AMQP_URL)
        channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._connection is not None
        await self._connection.close()

    async def publish(self, body: bytes, *, routing_key: str, message_id: str | None) -> None:
        assert self._exchange is not None
        await self._exchange.publish(
            aio_pika.Message(
                body,
                message_id=message_id,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key=routing_key,
        )


async def delete_broker_objects(exchange: str, queue: str) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for name in (queue, f"{queue}.dead"):
            with contextlib.suppress(Exception):
                await channel.queue_delete(name)
        for name in (exchange, f"{queue}.dead"):
            with contextlib.suppress(Exception):
                await channel.exchange_delete(name)


async def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
