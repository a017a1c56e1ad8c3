"""An SMTP server that keeps what it receives (aiosmtpd), for tests and dev mode.

It runs on its own thread and event loop (aiosmtpd's ``Controller``), so a test's loop or a
dev server's loop never blocks it. Behaviours a test may switch on: refuse recipients whose
address contains a marker (550, permanent), answer the next N messages with 451 (transient).
Needs the ``aiosmtpd`` package (a development dependency).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from reservation_common.testing import free_port


@dataclass(frozen=True, slots=True)
class CaughtMail:
    sender: str
    recipients: list[str]
    raw: bytes
    received_at: datetime

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    refuse_marker: str | None = None
    fail_next: int = 0
    hold_at: int | None = None
    hold_accepted: bool = False
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    caught: list[CaughtMail] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    arrived: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.arrived = threading.Condition(self.lock)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.refuse_marker and self.refuse_marker in address:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.hold_at is not None and len(self.caught) == self.hold_at and not self.hold_accepted:
            # No answer until released: the client waits for its "250". If it goes away
            # meanwhile, aiosmtpd cancels this handler and the message is never accepted.
            self.hold_at = None
            self.holding.set()
            await asyncio.to_thread(self.release.wait)
        with self.lock:
            if self.fail_next > 0:
                self.fail_next -= 1
                return "451 4.3.0 try again later"
            raw = envelope.original_content or b""
            self.caught.append(
                CaughtMail(
                    sender=str(envelope.mail_from),
                    recipients=list(envelope.rcpt_tos),
                    raw=raw,
                    received_at=datetime.now(UTC),
                )
            )
            self.arrived.notify_all()
        if self.hold_at is not None and len(self.caught) == self.hold_at + 1 and self.hold_accepted:
            # Kept (delivered, as far as this server is concerned), then the "250" waits until
            # released: the client's crash after the server took the message.
            self.hold_at = None
            self.holding.set()
            await asyncio.to_thread(self.release.wait)
        return "250 Message accepted"


class SmtpSink:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = _Handler()
        self._controller = Controller(self._handler, hostname=host, port=port or free_port(host))
        self.host = host

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def caught(self) -> list[CaughtMail]:
        with self._handler.lock:
            return list(self._handler.caught)

    def clear(self) -> None:
        with self._handler.lock:
            self._handler.caught.clear()
            self._handler.fail_next = 0
            self._handler.refuse_marker = None
            self._handler.hold_at = None
            self._handler.hold_accepted = False
        self._handler.release.set()

    def refuse_recipients_containing(self, marker: str | None) -> None:
        self._handler.refuse_marker = marker

    def hold(
        self, *, after: int, accepted: bool = False
    ) -> tuple[threading.Event, threading.Event]:
        """Leave the message after the first ``after`` ones unanswered until released; returns
        the events (holding, release). ``accepted``: keep that message first (it counts as
        delivered), then hold its "250"."""
        self._handler.holding.clear()
        self._handler.release.clear()
        self._handler.hold_accepted = accepted
        self._handler.hold_at = after
        return self._handler.holding, self._handler.release

    def fail_next(self, count: int) -> None:
        with self._handler.lock:
            self._handler.fail_next = count

    async def wait_for(self, count: int, *, within: float = 10.0) -> list[CaughtMail]:
        """The mails caught once there are ``count`` of them, or after ``within`` seconds."""
        return await asyncio.to_thread(self._wait, count, within)

    def _wait(self, count: int, within: float) -> list[CaughtMail]:
        with self._handler.arrived:
            self._handler.arrived.wait_for(lambda: len(self._handler.caught) >= count, within)
            return list(self._handler.caught)
