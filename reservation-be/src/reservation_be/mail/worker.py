"""The mail worker: writes due reminders and sends queued mails; safe with N replicas.

Sending: each mail is claimed ``FOR UPDATE SKIP LOCKED`` in its own transaction, rendered, sent
and marked in that transaction, so replicas never send the same mail concurrently, and a
replica that dies mid-send (its connection closes, its lock goes) leaves the mail pending for
the next. Only a death between the SMTP server's "250 accepted" and the commit sends a mail
twice (with the same Message-ID, so the recipient's client can tell).

Failures (``mail/smtp.py``): a permanent one (5xx, a template that cannot render, an address
that is not one) marks the mail ``failed`` at once; a transient one schedules the next attempt
after ``MAIL_RETRY_BASE * 2^(attempt-1)`` (with jitter, at most ``MAIL_RETRY_MAX``), and after
``MAIL_MAX_ATTEMPTS`` the mail is ``failed``. Failed mails are listed for platform admins
(``GET /api/v1/admin/mails?status=failed``) and may be queued again from there. One mail's
failure never holds another back.

Reminders: due ones (the owner's N minutes before the start or end) get a ledger row
(``mail_reminders``, unique per reservation and kind), a notification and a queued mail in one
transaction, so each reminder is written exactly once, whatever the replicas and restarts.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

from reservation_common.service_loop import backoff_wait, run_service_loop
from reservation_db.models import MailMessage, MailStatus
from reservation_db.models.reservation import Reservation
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from reservation_be.kit.notifications import notify, reservation_params
from reservation_be.mail import queue, render, repository, smtp
from reservation_be.mail.context import reservation_context
from reservation_be.mail.kinds import (
    DEFAULT_REMINDER_END_MINUTES,
    DEFAULT_REMINDER_START_MINUTES,
    MailKind,
)
from reservation_be.mail.settings import MailSettings
from reservation_be.mail.unsubscribe import make_token
from reservation_be.workers.listener import in_background, waking
from reservation_be.workers.metrics import WorkerMetrics
from reservation_be.workers.payloads import Payloads

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
Sender = Callable[[MailSettings, EmailMessage], Awaitable[None]]

_REMINDER_MESSAGES = {
    MailKind.REMINDER_START: "Reservation {title!r} on {resource} starts in {minutes} minutes.",
    MailKind.REMINDER_END: "Reservation {title!r} on {resource} ends in {minutes} minutes.",
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def backoff(settings: MailSettings, attempts: int) -> timedelta:
    base = settings.mail_retry_base.total_seconds() * 2 ** max(0, attempts - 1)
    seconds = min(base, settings.mail_retry_max.total_seconds()) * random.uniform(0.8, 1.2)
    return timedelta(seconds=seconds)


class MailWorker:
    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: MailSettings,
        unsubscribe_secret: str,
        listen_dsn: str | None = None,
        clock: Clock = _utcnow,
        sender: Sender = smtp.send,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._unsubscribe_secret = unsubscribe_secret
        self._clock = clock
        self._sender = sender
        self._metrics = metrics or WorkerMetrics()
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._listener = waking(listen_dsn, queue.NOTIFY_CHANNEL, self._wakeup)
        self.sent = 0
        self.failed = 0

    def stop(self) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._listener is not None:
            self._listener.stop()

    async def _step(self, interval: float) -> float:
        await self.remind()
        await self.drain()
        return interval

    async def run(self) -> None:
        interval = min(
            self._settings.mail_poll_interval, self._settings.mail_reminder_interval
        ).total_seconds()
        async with in_background(self._listener, name="mail-listen"):
            await run_service_loop(
                lambda: self._step(interval),
                name="mail pass",
                logger=log,
                stopping=self._stopping,
                wakeup=self._wakeup,
                retry_on=(SQLAlchemyError,),
                backoff=backoff_wait(interval, jitter=0),
                catch_all=True,
            )

    # --------------------------------------------------------------------------------------
    # Sending

    async def drain(self) -> int:
        """Send what is due now, at most ``MAIL_BATCH`` mails; returns how many were handled."""
        handled = 0
        while handled < self._settings.mail_batch and not self._stopping.is_set():
            if not await self.send_one():
                break
            handled += 1
        return handled

    async def send_one(self) -> bool:
        """Claim, send and mark one due mail; ``False`` when none is due."""
        async with self._sessionmaker() as session, session.begin():
            mail = await repository.claim_due(session, self._clock())
            if mail is None:
                return False
            mail.attempts += 1
            try:
                message = await self._render(session, mail)
                await self._sender(self._settings, message)
            except (render.RenderError, smtp.PermanentFailure) as exc:
                self._fail(mail, str(exc), reason="permanent")
            except Exception as exc:  # transient, or a surprise: retried, then failed
                reason = str(exc) or type(exc).__name__
                if not isinstance(exc, smtp.TransientFailure):
                    log.exception("mail %s: unexpected failure", mail.id)
                if mail.attempts >= self._settings.mail_max_attempts:
                    self._fail(
                        mail, f"gave up after {mail.attempts} attempts: {reason}", reason="gave_up"
                    )
                else:
                    mail.last_error = reason[:2000]
                    mail.next_attempt_at = self._clock() + backoff(self._settings, mail.attempts)
                    self._metrics.mail_retries.inc()
                    log.info("mail %s: attempt %d failed, retried later: %s",
                             mail.id, mail.attempts, reason)  # fmt: skip
            else:
                mail.status = MailStatus.SENT.value
                mail.sent_at = func.now()
                mail.last_error = None
                self.sent += 1
                self._metrics.mail_sent.labels(mail.kind).inc()
                log.info("mail sent", extra={"mail_id": str(mail.id), "kind": mail.kind})
        return True

    def _fail(self, mail: MailMessage, error: str, *, reason: str) -> None:
        mail.status = MailStatus.FAILED.value
        mail.last_error = error[:2000]
        self.failed += 1
        self._metrics.mail_failed.labels(reason).inc()
        log.warning("mail %s (%s) failed: %s", mail.id, mail.kind, error)

    async def _render(self, session: AsyncSession, mail: MailMessage) -> EmailMessage:
        found = await repository.recipient(session, mail.user_id)
        if found is None:
            raise render.RenderError("the recipient no longer exists")
        user, prefs = found
        name = user.display_name or " ".join(
            part for part in (user.first_name, user.last_name) if part
        )
        base = self._settings.mail_public_url.rstrip("/")
        token = make_token(self._unsubscribe_secret, mail.user_id, mail.kind)
        return render.render(
            render.Envelope(
                mail_id=mail.id,
                kind=mail.kind,
                context=mail.context,
                recipient=render.Recipient(
                    user_id=user.id,
                    address=mail.to_address,
                    name=name or None,
                    locale=prefs.locale if prefs else None,
                    timezone=user.timezone,
                ),
            ),
            render.Site(
                from_header=self._settings.mail_from,
                domain=self._settings.domain,
                public_url=base,
                unsubscribe_url=f"{base}/api/v1/mail/unsubscribe/{token}",
            ),
        )

    # --------------------------------------------------------------------------------------
    # Reminders

    async def remind(self, now: datetime | None = None) -> int:
        """Write the reminders due at ``now``; returns how many were written."""
        now = now or self._clock()
        async with self._sessionmaker() as session, session.begin():
            due = await repository.due_reminders(
                session,
                now,
                start_default=DEFAULT_REMINDER_START_MINUTES,
                end_default=DEFAULT_REMINDER_END_MINUTES,
                limit=self._settings.mail_batch,
            )
            mine = await repository.record_reminders(session, due)
            todo = [d for d in due if (d.reservation_id, d.kind) in mine]
            if not todo:
                return 0
            ids = list({d.reservation_id for d in todo})
            reservations = {
                r.id: r
                for r in (
                    await session.execute(select(Reservation).where(Reservation.id.in_(ids)))
                ).scalars()
            }
            payloads = await Payloads.load(session, list(reservations.values()))
            for d in todo:
                reservation = reservations[d.reservation_id]
                kind = MailKind(d.kind)
                data = payloads.data(reservation)
                note = await notify(
                    session,
                    reservation.owner_id,
                    f"reservation.{kind.value}",
                    _REMINDER_MESSAGES[kind].format(
                        title=reservation.title, resource=data.resource.name, minutes=d.minutes
                    ),
                    [{"rel": "reservation", "href": f"/api/v1/reservations/{reservation.id}"}],
                    params=reservation_params(reservation, data.resource.name, minutes=d.minutes),
                )
                context = reservation_context(data, description=reservation.description)
                context["minutes"] = d.minutes
                await queue.enqueue(
                    session, [queue.Recipient(reservation.owner_id, kind, note.id)], context
                )
        for d in todo:  # counted once committed
            self._metrics.mail_reminders.labels(d.kind).inc()
        return len(todo)
