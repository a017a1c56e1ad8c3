"""Probes, settings, the SSRF guard's address rules and the in-process outbox transport."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import httpx
import pytest
from delivery_helpers import public_resolver
from factories import create_site, create_subscription, reservation_event
from pydantic import SecretStr, ValidationError
from reservation_common.crypto import SecretBox, generate_key
from reservation_db.models.outbox import OutboxMessage
from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_event_processor.app import Processor
from reservation_event_processor.health import create_app
from reservation_event_processor.settings import Settings
from reservation_event_processor.ssrf import AddressNotAllowed, SsrfGuard, TargetUnresolvable
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SM = async_sessionmaker[AsyncSession]


async def probe(processor: Processor, path: str) -> httpx.Response:
    app = create_app(processor.readiness)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://probe"
    ) as client:
        return await client.get(path)


async def test_probes_report_health_readiness_and_metrics(settings: Settings) -> None:
    processor = Processor(settings, serve_http=False)
    try:
        assert (await probe(processor, "/healthz")).json() == {"status": "ok"}
        ready = await probe(processor, "/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {"database": True}
        metrics = await probe(processor, "/metrics")
        assert "reservation_ep_attempts_total" in metrics.text
        assert "reservation_ep_queue_lag_seconds" in metrics.text
    finally:
        await processor.close()


async def test_readiness_fails_without_database_or_broker(settings: Settings) -> None:
    broken = settings.model_copy(
        update={
            "database_url": "postgresql+asyncpg://postgres@127.0.0.1:1/none",
            "amqp_url": SecretStr("amqp://guest:guest@127.0.0.1:1/"),
        }
    )
    processor = Processor(broken, serve_http=False)
    try:
        ready = await probe(processor, "/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": False, "broker": False}
    finally:
        await processor.close()


async def test_outbox_transport_fans_out_and_marks_rows_published(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    event = reservation_event(site)
    async with sm() as session, session.begin():
        session.add(
            OutboxMessage(
                id=uuid.uuid4(), type=event.type.value, payload=json.loads(event.model_dump_json())
            )
        )
        session.add(OutboxMessage(id=uuid.uuid4(), type="junk", payload={"not": "an event"}))
    processor = Processor(settings, serve_http=False)
    try:
        assert processor.outbox is not None and processor.consumer is None
        assert await processor.outbox.run_once() == 2
        assert await processor.outbox.run_once() == 0
    finally:
        await processor.close()
    async with sm() as session:
        deliveries = (await session.execute(select(WebhookDelivery.event_id))).scalars().all()
        unpublished = (
            await session.execute(select(OutboxMessage).where(OutboxMessage.published_at.is_(None)))
        ).all()
    assert deliveries == [event.id] and unpublished == []


def test_settings_parse_durations_and_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESERVATION_EP_RETRY_SCHEDULE", "500ms, 5s,5m,2h,1d")
    monkeypatch.setenv("RESERVATION_EP_SSRF_ALLOWLIST", "10.0.0.0/8,hooks.lab")
    monkeypatch.setenv("RESERVATION_EP_HTTP_TIMEOUT", "15")
    s = Settings()
    assert s.retry_schedule == [
        timedelta(milliseconds=500),
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(hours=2),
        timedelta(days=1),
    ]
    assert s.max_attempts == 6
    assert s.ssrf_allowlist == ["10.0.0.0/8", "hooks.lab"]
    assert s.http_timeout == timedelta(seconds=15)


def test_default_retry_schedule_is_the_documented_one() -> None:
    assert [d.total_seconds() for d in Settings().retry_schedule] == [
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        36000,
    ]


@pytest.mark.parametrize(
    "env",
    [
        {"RESERVATION_EP_RETRY_SCHEDULE": "5 parsecs"},
        {"RESERVATION_EP_SSRF_ALLOWLIST": "10.0.0.0/99"},
        {"RESERVATION_EP_LEASE": "5s"},  # not longer than the 15 s timeout
        {"RESERVATION_EP_ENVIRONMENT": "production"},  # dev secrets key and database
    ],
)
def test_invalid_settings_refuse_to_start(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError):
        Settings()


GOOD_KEY = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE="


def test_a_rotation_list_of_valid_keys_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESERVATION_EP_WEBHOOK_SECRETS_KEY", f"{GOOD_KEY},{generate_key()}")

    assert Settings().webhook_secrets_key.get_secret_value().startswith(GOOD_KEY)


@pytest.mark.parametrize("bad", ["c2hvcnQ=", "not base64 at all!!"])
def test_every_key_of_a_rotation_list_is_checked_at_start_up(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    # Before: the processor did not check the setting at all; a bad key surfaced only when the
    # delivery loop built its SecretBox, or at the first decryption with it.
    monkeypatch.setenv("RESERVATION_EP_WEBHOOK_SECRETS_KEY", f"{GOOD_KEY},{bad}")

    with pytest.raises(ValidationError, match="key 2 of 2 is not a Fernet key"):
        Settings()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/x",
        "http://0.0.0.0/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://100.64.0.1/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
    ],
)
async def test_ssrf_guard_address_rules(url: str) -> None:
    with pytest.raises(AddressNotAllowed):
        await SsrfGuard(resolver=public_resolver).check(url)


async def test_ssrf_guard_allows_public_and_allow_listed_targets() -> None:
    await SsrfGuard(resolver=public_resolver).check("https://hooks.example.org/x")
    await SsrfGuard(["hooks.lab"]).check("http://hooks.lab:8090/x")
    await SsrfGuard(["127.0.0.1"]).check("http://127.0.0.1:9/x")


async def test_ssrf_guard_reports_unresolvable_hosts_as_such() -> None:
    async def failing(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(TargetUnresolvable):
        await SsrfGuard(resolver=failing).check("https://nowhere.invalid/")


def test_json_logs_carry_extra_fields_and_exceptions() -> None:
    import logging

    from reservation_event_processor.logs import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "reservation_event_processor.delivery",
            logging.WARNING,
            __file__,
            1,
            "attempt %s failed",
            ("3",),
            sys.exc_info(),
        )
    record.webhook_id = "msg_1"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "attempt 3 failed" and entry["level"] == "warning"
    assert entry["webhook_id"] == "msg_1" and "ValueError: boom" in entry["exception"]


def test_run_with_invalid_settings_exits_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reservation_event_processor.__main__ import main

    monkeypatch.setenv("RESERVATION_EP_RETRY_SCHEDULE", "bogus")
    assert main(["run"]) == 2
    assert "not a duration: 'bogus'" in capsys.readouterr().err
