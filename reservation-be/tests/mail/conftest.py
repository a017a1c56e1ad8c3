"""A real SMTP server (aiosmtpd) in the test process, and a mail worker sending to it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from reservation_be.mail.settings import MailSettings
from reservation_be.mail.worker import MailWorker
from reservation_be.testing.smtp_sink import SmtpSink
from reservation_be.workers.metrics import WorkerMetrics
from sqlalchemy import update

from tests.reservations.factories import Lab, make_lab

EMAILS = {"alice": "alice@example.com", "bob": "bob@example.com", "admin": "admin@example.com"}


@pytest.fixture(scope="session")
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def sink(smtp_sink: SmtpSink) -> Iterator[SmtpSink]:
    smtp_sink.clear()
    yield smtp_sink
    smtp_sink.clear()


@pytest.fixture
def mail_settings(smtp_sink: SmtpSink) -> MailSettings:
    return MailSettings(
        smtp_host=smtp_sink.host,
        smtp_port=smtp_sink.port,
        smtp_timeout=timedelta(seconds=5),
        mail_from="Reservations <reservations@platform.test>",
        mail_public_url="https://reservations.test",
        mail_retry_base=timedelta(seconds=60),
        mail_max_attempts=3,
    )


@pytest.fixture
def mail_metrics() -> WorkerMetrics:
    return WorkerMetrics()


@pytest.fixture
def worker(app, mail_settings: MailSettings, mail_metrics: WorkerMetrics) -> MailWorker:  # type: ignore[no-untyped-def]
    return MailWorker(
        sessionmaker=app.state.sessionmaker,
        settings=mail_settings,
        unsubscribe_secret=app.state.settings.webhook_secrets_key.get_secret_value(),
        metrics=mail_metrics,
    )


@pytest.fixture
async def lab(session, people) -> Lab:  # type: ignore[no-untyped-def]
    lab = await make_lab(session, people)
    from reservation_db.models import User

    for name, address in EMAILS.items():
        await session.execute(update(User).where(User.id == people[name]).values(email=address))
    await session.commit()
    return lab
