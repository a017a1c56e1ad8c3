"""Run the webhook over real HTTP on a free loopback port, for end-to-end tests and dev tools.

async with SimulatedSwitch(interfaces=["Gi1/0/1"]) as switch:
    async with serve_webhook(settings) as webhook:
        ...  # subscribe webhook.url, book, let time pass
        await webhook.settle()
        assert switch.port_state("Gi1/0/1").access_vlan == 142
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import uvicorn
from fastapi import FastAPI

from .app import create_app
from .driver import SwitchDriver
from .settings import Settings

__all__ = ["RunningWebhook", "serve_webhook"]

_START_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class RunningWebhook:
    app: FastAPI
    base_url: str

    @property
    def url(self) -> str:
        """The URL to subscribe."""
        return f"{self.base_url}/webhook"

    async def settle(self) -> None:
        """Wait until the queued switch work and its reports are done."""
        await self.app.state.workers.join()
        await self.app.state.reporter.join()


@asynccontextmanager
async def serve_webhook(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    driver: SwitchDriver | None = None,
    report_transport: httpx.AsyncBaseTransport | None = None,
) -> AsyncIterator[RunningWebhook]:
    app = create_app(settings, driver=driver, report_transport=report_transport)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(_START_TIMEOUT_SECONDS):
            while not server.started:
                if task.done():
                    task.result()  # raises what stopped it
                    raise RuntimeError("the webhook server stopped while starting")
                await asyncio.sleep(0.01)
        yield RunningWebhook(app=app, base_url=f"http://{host}:{port}")
    finally:
        server.should_exit = True
        await task
        sock.close()
