"""Webhook receivers as resource owners run them: the minimal example behind a recorder, and
the switch-port example wired to a simulated switch and to the platform's API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from receiver import create_app as create_minimal_app
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from switch_port_webhook import Settings as SwitchPortSettings
from switch_port_webhook import SimulatedSwitch, SwitchConfig
from switch_port_webhook import create_app as create_switch_port_app

from e2e.harness import LoopbackServer

Scope = dict[str, Any]
Message = dict[str, Any]


@dataclass(frozen=True)
class Received:
    """One HTTP request as it reached a receiver, and the receiver's answer."""

    name: str
    headers: dict[str, str]
    body: bytes
    status: int
    answer: bytes = b""

    @property
    def webhook_id(self) -> str:
        return self.headers.get("webhook-id", "")

    @property
    def outcome(self) -> str:
        """The minimal receiver's ``status``: ``accepted`` or ``duplicate`` (or ``""``)."""
        try:
            return str(json.loads(self.answer).get("status", ""))
        except (ValueError, AttributeError):
            return ""

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


class MinimalReceivers:
    """One loopback server hosting any number of minimal receivers, one per subscription, at
    ``/<name>/webhook``; every request and the receiver's status code are recorded."""

    def __init__(self) -> None:
        self._apps: dict[str, Any] = {}
        self.secrets: dict[str, str] = {}
        self.received: list[Received] = []
        # name -> how many attempts of each delivery are answered 503 before the app sees one
        self._fail_first: dict[str, int] = {}
        self._delay: dict[str, float] = {}
        self.server = LoopbackServer(self._asgi, lifespan="off")

    def url(self, name: str) -> str:
        return f"{self.server.url}/{name}/webhook"

    def add(self, name: str, secret: str, *, fail_first: int = 0, delay: float = 0.0) -> None:
        """Serve the minimal example for ``name``, verifying with the subscription's secret;
        the first ``fail_first`` attempts of every delivery get a 503 instead; each answer
        takes ``delay`` seconds (a receiver doing some work)."""
        self.secrets[name] = secret
        self._apps[name] = create_minimal_app(secret)
        self._fail_first[name] = fail_first
        self._delay[name] = delay

    def for_name(self, name: str) -> list[Received]:
        return [r for r in self.received if r.name == name]

    def accepted(self, name: str) -> list[Received]:
        """What the minimal receiver accepted as new: verified and not a duplicate."""
        return [r for r in self.for_name(name) if r.outcome == "accepted"]

    def events(self, name: str, types: Iterable[str] | None = None) -> list[dict[str, Any]]:
        wanted = set(types) if types is not None else None
        return [
            r.event for r in self.accepted(name) if wanted is None or r.event.get("type") in wanted
        ]

    def verify_with_library(self, item: Received) -> bool:
        """An independent check of the signature, with ``standardwebhooks`` (not the app)."""
        try:
            Webhook(self.secrets[item.name]).verify(item.body, item.headers)
        except (WebhookVerificationError, KeyError):
            return False
        return True

    async def _asgi(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        name, _, rest = scope["path"].lstrip("/").partition("/")
        status: list[int] = []
        answer: list[bytes] = []

        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            elif message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
            await send(message)

        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        app = self._apps.get(name)
        earlier = sum(
            1
            for r in self.received
            if r.name == name and r.webhook_id == headers.get("webhook-id", "")
        )
        if app is None or earlier < self._fail_first.get(name, 0):
            code = 404 if app is None else 503
            await capture({"type": "http.response.start", "status": code, "headers": []})
            await capture({"type": "http.response.body", "body": b""})
        else:
            if self._delay.get(name):
                await asyncio.sleep(self._delay[name])
            await app(
                {**scope, "path": f"/{rest}", "raw_path": f"/{rest}".encode()}, replay, capture
            )
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        self.received.append(
            Received(name, headers, body, status[0] if status else 0, b"".join(answer))
        )


@dataclass
class SwitchPortRig:
    """The switch-port example serving ``/webhook``, talking SSH to a simulated switch and
    reporting to the platform with its own client-credentials token."""

    switch: SimulatedSwitch
    ports: list[str]
    server: LoopbackServer | None = None
    app: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"{self.server.url}/webhook"

    async def start(
        self,
        *,
        port: int,
        webhook_secret: str,
        api_url: str,
        oidc_issuer: str,
        client_secret: str,
        allowed_vlans: str,
    ) -> None:
        settings = SwitchPortSettings(
            webhook_secret=webhook_secret,
            api_url=api_url,
            oidc_issuer=oidc_issuer,
            client_id="switch-port-webhook",
            client_secret=client_secret,
            switches={
                self.switch.hostname: SwitchConfig(
                    host="127.0.0.1",
                    port=self.switch.port,
                    username=self.switch.username,
                    password=self.switch.password,
                    enable_secret=self.switch.enable_secret,
                    ports=frozenset(self.ports),
                    timeout_seconds=10,
                )
            },
            allowed_vlans=allowed_vlans,
            report_backoff_seconds=0.2,
            **self.extra,
        )
        self.app = create_switch_port_app(settings)
        self.server = await LoopbackServer(self.app, port=port).start()

    async def settle(self) -> None:
        """Wait until queued switch work and the reports it produced are done."""
        await self.app.state.workers.join()
        await self.app.state.reporter.join()

    async def stop(self) -> None:
        if self.server is not None:
            await self.server.stop()
            self.server = None
