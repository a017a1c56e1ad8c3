"""Provisioning reports to the platform: ``POST /api/v1/reservations/{id}/provisioning``.

Reports go through their own durable queue (a table of the receiver's SQLite file, so a report
survives a crash), and a slow or unreachable backend never holds up host work,
and a report that finally fails is logged, never rolled back into the host.

The platform side (token, retries, what is transient) is ``webhook_receiver_kit.platform``.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import httpx
from webhook_receiver_kit.platform import (
    PlatformClient,
    Report,
    ReportError,
    State,
    TokenSource,
    TransientReportError,
)

from .settings import Settings
from .store import Store

__all__ = ["ReportError", "Reporter", "TokenSource", "TransientReportError"]

logger = logging.getLogger(__name__)


class Reporter:
    """Stores reports and delivers them in order, retrying transient failures."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._store = store
        self._wake = asyncio.Event()
        self._platform = PlatformClient(settings, transport=transport)
        self._task: asyncio.Task[None] | None = None
        self.delivered = 0
        self.failed = 0

    @property
    def enabled(self) -> bool:
        return self._settings.api_url is not None

    def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="provisioning-reports")

    async def stop(self, *, grace_seconds: float = 0.0) -> None:
        if self._task is not None:
            try:
                await asyncio.wait_for(self.join(), timeout=grace_seconds)
            except TimeoutError:
                pending = self._store.reports_pending()
                logger.warning(
                    "stopping with %d reports not sent yet (kept for the next start)", pending
                )
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._platform.aclose()

    async def join(self) -> None:
        """Wait until every stored report was delivered or given up."""
        while self._store.reports_pending():  # noqa: ASYNC110 - the queue is rows
            await asyncio.sleep(0.05)

    def report(
        self,
        reservation_id: uuid.UUID,
        state: State,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        logger.info("reservation %s: %s (%s)", reservation_id, state, message)
        if self.enabled:
            self._store.add_report(reservation_id, state, message, details or {})
            self._wake.set()

    async def current(self, reservation_id: uuid.UUID) -> dict[str, Any] | None:
        """The reservation as the platform has it now, or None when it does not show it to this
        integration (``PlatformClient.current``)."""
        return await self._platform.current(reservation_id)

    async def _run(self) -> None:
        while True:
            stored = self._store.next_report()
            if stored is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            report = Report(
                stored.reservation_id,
                stored.state,  # type: ignore[arg-type]  # written by report() from State
                stored.message,
                stored.details,
            )
            try:
                await self._platform.deliver(report)
                self.delivered += 1
            except Exception as error:  # a lost report must never stop the worker
                self.failed += 1
                logger.error(
                    "report %s for reservation %s not delivered: %s",
                    report.state,
                    report.reservation_id,
                    error,
                )
            finally:
                self._store.delete_report(stored.id)
