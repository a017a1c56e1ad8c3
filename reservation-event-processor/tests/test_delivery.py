import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from delivery_helpers import make_worker, publish, run_until
from factories import create_site, create_subscription, reservation_event
from prometheus_client import REGISTRY
from reservation_common.crypto import SecretBox
from reservation_common.signing import generate_secret
from reservation_db.models.notification import Notification
from reservation_db.models.webhook_attempt import WebhookAttempt
from reservation_db.models.webhook_delivery import WebhookDelivery
from reservation_db.models.webhook_subscription import WebhookSubscription
from reservation_db.repositories import webhook_deliveries
from reservation_event_processor.delivery import parse_retry_after, retry_delay
from reservation_event_processor.settings import Settings
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

SM = async_sessionmaker[AsyncSession]


async def all_deliveries(sm: SM) -> list[WebhookDelivery]:
    async with sm() as session:
        return list((await session.execute(select(WebhookDelivery))).scalars())


async def attempts_of(sm: SM, delivery_id) -> list[WebhookAttempt]:  # type: ignore[no-untyped-def]
    async with sm() as session:
        rows = await session.execute(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery_id)
            .order_by(WebhookAttempt.started_at)
        )
        return list(rows.scalars())


async def subscription(sm: SM, sub_id) -> WebhookSubscription:  # type: ignore[no-untyped-def]
    async with sm() as session:
        return await session.get(WebhookSubscription, sub_id, populate_existing=True)  # type: ignore[return-value]


def status_is(sm: SM, status: str, count: int = 1):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        rows = await all_deliveries(sm)
        return sum(r.status == status for r in rows) >= count

    return check


def hand_verify(secret: str, headers: httpx.Headers, body: bytes) -> bool:
    """An independent Standard Webhooks verifier: HMAC-SHA256 over id.timestamp.body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part == f"v1,{expected}" for part in headers["webhook-signature"].split(" "))


async def test_delivery_is_signed_and_verifies_with_the_library_and_by_hand(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    old, new, expired = generate_secret(), generate_secret(), generate_secret()
    sub, _ = await create_subscription(
        sm, box, site=site, secrets=[old, new], expired_secrets=[expired]
    )
    event = reservation_event(site)
    await publish(sm, event)
    seen: list[httpx.Request] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="thanks", headers={"x-request-id": "r1"})

    worker = make_worker(sm, settings, box, receiver)
    await run_until(worker, status_is(sm, "succeeded"))

    [request] = seen
    [delivery] = await all_deliveries(sm)
    body = request.content
    assert json.loads(body) == event.model_dump(mode="json")
    assert request.headers["webhook-id"] == delivery.webhook_id
    assert request.headers["content-type"] == "application/json"
    assert abs(int(request.headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) < 30
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert Webhook(secret).verify(body, dict(request.headers)) == json.loads(body)
        assert hand_verify(secret, request.headers, body)
    assert not hand_verify(expired, request.headers, body)
    [attempt] = await attempts_of(sm, delivery.id)
    assert attempt.status_code == 200 and attempt.error is None
    assert attempt.response_excerpt == "thanks"
    assert attempt.response_headers["x-request-id"] == "r1"
    assert delivery.attempts == 1 and delivery.completed_at is not None
    assert (await subscription(sm, sub.id)).failing_since is None


async def test_receiver_down_then_up_gets_the_delivery_with_the_same_webhook_id(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    await publish(sm, reservation_event(site))
    seen: list[tuple[float, str]] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        seen.append((asyncio.get_running_loop().time(), request.headers["webhook-id"]))
        if len(seen) == 1:
            raise httpx.ConnectError("connection refused")
        if len(seen) == 2:
            return httpx.Response(503, text="starting up")
        return httpx.Response(204)

    worker = make_worker(sm, settings, box, receiver)
    await run_until(worker, status_is(sm, "succeeded"))
    [delivery] = await all_deliveries(sm)
    assert [wid for _, wid in seen] == [delivery.webhook_id] * 3
    # Durable schedule (200 ms then 400 ms, +-20 %) between the attempts.
    assert seen[1][0] - seen[0][0] >= 0.15
    assert seen[2][0] - seen[1][0] >= 0.3
    attempts = await attempts_of(sm, delivery.id)
    assert [a.status_code for a in attempts] == [None, 503, 204]
    assert "ConnectError" in (attempts[0].error or "")
    assert attempts[1].response_excerpt == "starting up"
    assert delivery.status == "succeeded" and delivery.attempts == 3


async def test_after_the_last_scheduled_attempt_the_delivery_is_failed(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    settings = settings.model_copy(update={"retry_schedule": [timedelta(milliseconds=100)] * 2})
    site = await create_site(sm)
    sub, _ = await create_subscription(sm, box, site=site)
    await publish(sm, reservation_event(site))
    calls = 0

    async def receiver(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(500, text="boom")

    await run_until(make_worker(sm, settings, box, receiver), status_is(sm, "failed"))
    [delivery] = await all_deliveries(sm)
    assert calls == 3 and delivery.attempts == 3
    assert delivery.last_status_code == 500 and delivery.next_attempt_at is None
    refreshed = await subscription(sm, sub.id)
    assert refreshed.enabled and refreshed.failing_since is not None


async def test_410_gone_disables_the_subscription_and_notifies_site_admins(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm, admins=2)
    sub, _ = await create_subscription(sm, box, site=site, name="old receiver")
    await publish(sm, reservation_event(site))

    async def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(410)

    await run_until(make_worker(sm, settings, box, receiver), status_is(sm, "failed"))
    refreshed = await subscription(sm, sub.id)
    assert not refreshed.enabled and "410" in (refreshed.disabled_reason or "")
    async with sm() as session:
        notes = list((await session.execute(select(Notification))).scalars())
    assert len(notes) == 2  # the two site admins, not the member
    assert all("old receiver" in n.message for n in notes)
    # A disabled subscription gets nothing new.
    assert await publish(sm, reservation_event(site)) == 0


async def test_retry_after_is_honoured_within_bounds(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    await publish(sm, reservation_event(site))
    retry_after = "3"

    async def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": retry_after})

    worker = make_worker(sm, settings, box, receiver)
    assert await worker.run_once() == 1
    await worker.drain(5)
    [delivery] = await all_deliveries(sm)
    wait = delivery.next_attempt_at - datetime.now(UTC)  # type: ignore[operator]
    assert timedelta(seconds=1) < wait <= timedelta(seconds=3)

    retry_after = "86400"  # far beyond RETRY_AFTER_MAX (30 s in the tests)
    async with sm() as session, session.begin():
        await session.execute(update(WebhookDelivery).values(next_attempt_at=func.now()))
    assert await worker.run_once() == 1
    await worker.drain(5)
    [delivery] = await all_deliveries(sm)
    wait = delivery.next_attempt_at - datetime.now(UTC)  # type: ignore[operator]
    assert timedelta(seconds=25) < wait <= timedelta(seconds=30)
    assert delivery.status == "pending" and delivery.attempts == 2


@pytest.mark.parametrize(
    ("url", "resolved"),
    [
        ("http://intranet.example/hook", ["10.1.2.3"]),
        ("http://mixed.example/hook", ["93.184.216.34", "192.168.1.1"]),
        ("http://127.0.0.1:8080/hook", []),
        ("http://[::1]/hook", []),
        ("http://169.254.169.254/latest/meta-data", []),
        ("http://[::ffff:10.0.0.1]/hook", []),
        ("http://224.0.0.1/hook", []),
    ],
)
async def test_ssrf_guard_refuses_non_public_targets_without_sending(
    sm: SM, box: SecretBox, settings: Settings, url: str, resolved: list[str]
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site, url=url)
    await publish(sm, reservation_event(site))
    sent: list[httpx.Request] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    async def resolver(host: str, port: int) -> list[str]:
        return resolved

    worker = make_worker(sm, settings, box, receiver, resolver=resolver)
    await run_until(worker, status_is(sm, "failed"))
    [delivery] = await all_deliveries(sm)
    assert sent == [] and delivery.attempts == 1
    assert "non-public" in (delivery.last_error or "")


async def test_allow_listed_private_target_is_delivered(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    settings = settings.model_copy(update={"ssrf_allowlist": ["10.0.0.0/8"]})
    site = await create_site(sm)
    await create_subscription(sm, box, site=site, url="http://lab.internal/hook")
    await publish(sm, reservation_event(site))

    async def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    async def resolver(host: str, port: int) -> list[str]:
        return ["10.20.30.40"]

    worker = make_worker(sm, settings, box, receiver, resolver=resolver)
    await run_until(worker, status_is(sm, "succeeded"))


async def test_response_excerpt_is_capped_at_20_kb(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    await publish(sm, reservation_event(site))

    async def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=("é" * 100_000).encode() + b"\x00")

    await run_until(make_worker(sm, settings, box, receiver), status_is(sm, "succeeded"))
    [delivery] = await all_deliveries(sm)
    [attempt] = await attempts_of(sm, delivery.id)
    assert attempt.response_excerpt is not None
    assert 20_000 < len(attempt.response_excerpt.encode()) <= 20 * 1024


async def test_subscription_failing_for_the_disable_period_is_disabled(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    sub, _ = await create_subscription(sm, box, site=site, name="flaky")
    async with sm() as session, session.begin():
        await session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == sub.id)
            .values(failing_since=datetime.now(UTC) - timedelta(days=5, minutes=1))
        )
    await publish(sm, reservation_event(site))

    async def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502)

    worker = make_worker(sm, settings, box, receiver)
    assert await worker.run_once() == 1
    await worker.drain(5)
    refreshed = await subscription(sm, sub.id)
    assert not refreshed.enabled and "5 days" in (refreshed.disabled_reason or "")
    async with sm() as session:
        notes = (await session.execute(select(Notification.kind, Notification.params))).all()
    assert [n.kind for n in notes] == ["webhook.subscription_disabled"]
    assert notes[0].params["name"] == "flaky" and notes[0].params["why"] == "failing"


async def test_a_success_ends_the_failure_run(sm: SM, box: SecretBox, settings: Settings) -> None:
    site = await create_site(sm)
    sub, _ = await create_subscription(sm, box, site=site)
    async with sm() as session, session.begin():
        await session.execute(
            update(WebhookSubscription).values(failing_since=datetime.now(UTC) - timedelta(days=1))
        )
    await publish(sm, reservation_event(site))

    async def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    await run_until(make_worker(sm, settings, box, receiver), status_is(sm, "succeeded"))
    assert (await subscription(sm, sub.id)).failing_since is None


async def test_a_slow_receiver_does_not_delay_another(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    settings = settings.model_copy(
        update={"http_timeout": timedelta(seconds=20), "lease": timedelta(seconds=30)}
    )
    site = await create_site(sm)
    await create_subscription(
        sm, box, site=site, url="https://slow.example/hook", max_concurrency=2, name="slow"
    )
    await create_subscription(sm, box, site=site, url="https://fast.example/hook", name="fast")
    for _ in range(8):
        await publish(sm, reservation_event(site))
    slow_in_flight = 0
    peak = 0
    release = asyncio.Event()

    async def receiver(request: httpx.Request) -> httpx.Response:
        nonlocal slow_in_flight, peak
        if request.url.host == "slow.example":
            slow_in_flight += 1
            peak = max(peak, slow_in_flight)
            try:
                await release.wait()  # hangs until the fast receiver has everything
            finally:
                slow_in_flight -= 1
        return httpx.Response(200)

    async def fast_done() -> bool:
        async with sm() as session:
            rows = await session.execute(
                select(func.count())
                .select_from(WebhookDelivery)
                .join(WebhookSubscription)
                .where(WebhookSubscription.name == "fast", WebhookDelivery.status == "succeeded")
            )
            return rows.scalar_one() == 8

    worker = make_worker(sm, settings, box, receiver)
    task = asyncio.create_task(worker.run())
    try:
        for _ in range(400):
            if await fast_done():
                break
            await asyncio.sleep(0.05)
        assert await fast_done(), "the fast receiver waited for the slow one"
        # Every fast delivery landed while the slow receiver still held both of its slots.
        assert slow_in_flight == 2 and peak == 2
        release.set()
        for _ in range(200):
            if await status_is(sm, "succeeded", 16)():
                break
            await asyncio.sleep(0.05)
        assert await status_is(sm, "succeeded", 16)()
        assert peak == 2
    finally:
        release.set()
        worker.stop()
        await task
        await worker.drain(5)


async def test_an_attempt_cut_short_by_a_crash_is_retried_after_the_lease_with_the_same_id(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    settings = settings.model_copy(
        update={"lease": timedelta(milliseconds=600), "http_timeout": timedelta(milliseconds=300)}
    )
    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    await publish(sm, reservation_event(site))
    # A sender claims the delivery and dies before recording anything.
    async with sm() as session, session.begin():
        [claim] = await webhook_deliveries.claim_due(session, limit=10, lease=settings.lease)
    seen: list[str] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["webhook-id"])
        return httpx.Response(200)

    worker = make_worker(sm, settings, box, receiver)
    assert await worker.run_once() == 0  # still leased
    await run_until(worker, status_is(sm, "succeeded"))
    [delivery] = await all_deliveries(sm)
    assert seen == [claim.webhook_id] and delivery.attempts == 2


async def test_a_subscription_without_an_active_secret_fails_without_sending(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site, secrets=[], expired_secrets=[generate_secret()])
    await publish(sm, reservation_event(site))

    async def receiver(request: httpx.Request) -> httpx.Response:
        raise AssertionError("must not be called")

    await run_until(make_worker(sm, settings, box, receiver), status_is(sm, "failed"))
    [delivery] = await all_deliveries(sm)
    assert "no active signing secret" in (delivery.last_error or "")


def test_retry_delay_follows_the_schedule_with_bounded_jitter() -> None:
    schedule = [timedelta(seconds=5), timedelta(minutes=5)]
    rng = random.Random(1)
    for _ in range(200):
        d1 = retry_delay(1, schedule, jitter=0.2, rng=rng)
        d2 = retry_delay(2, schedule, jitter=0.2, rng=rng)
        assert d1 is not None and timedelta(seconds=4) <= d1 <= timedelta(seconds=6)
        assert d2 is not None and timedelta(minutes=4) <= d2 <= timedelta(minutes=6)
    assert retry_delay(3, schedule, jitter=0.2, rng=rng) is None


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now=now) == timedelta(seconds=120)
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:00 GMT", now=now) == timedelta(minutes=1)
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == timedelta(0)
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None


async def test_rate_limit_spaces_a_subscriptions_attempts(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site, max_concurrency=10, rate_limit_per_second=5)
    for _ in range(6):
        await publish(sm, reservation_event(site))
    times: list[float] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        times.append(asyncio.get_running_loop().time())
        return httpx.Response(200)

    await run_until(make_worker(sm, settings, box, receiver), status_is(sm, "succeeded", 6))
    assert len(times) == 6
    assert times[-1] - times[0] >= 0.9  # 5 gaps of 1/5 s


async def test_a_delivery_waiting_for_the_rate_limit_never_outlives_its_lease(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    # Lease 3 s, HTTP timeout 2 s: an attempt must start within 1 s of its claim. At one per
    # second the sixth of six due deliveries would wait 5 s, well past the lease.
    site = await create_site(sm)
    await create_subscription(sm, box, site=site, max_concurrency=10, rate_limit_per_second=1)
    for _ in range(6):
        await publish(sm, reservation_event(site))
    sent: list[tuple[str, float]] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        sent.append((request.headers["webhook-id"], asyncio.get_running_loop().time()))
        return httpx.Response(200)

    worker = make_worker(sm, settings, box, receiver)
    await run_until(worker, status_is(sm, "succeeded", 6), timeout=30)
    ids = [webhook_id for webhook_id, _ in sent]
    assert len(ids) == 6 and len(set(ids)) == 6  # each sent once: no second claim meanwhile
    deliveries = await all_deliveries(sm)
    assert [d.attempts for d in deliveries] == [1] * 6  # giving back is not an attempt
    times = sorted(t for _, t in sent)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.9  # still one per second


async def test_a_claimed_delivery_whose_slot_comes_too_late_is_given_back_unsent(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    # An attempt must start within 0.1 s of its claim; one claim takes five rows at 5/s, so
    # four of them would start 0.2-0.8 s late: they go back to the table, not to the receiver.
    settings = settings.model_copy(update={"lease": timedelta(milliseconds=2100)})
    site = await create_site(sm)
    await create_subscription(sm, box, site=site, max_concurrency=10, rate_limit_per_second=5)
    for _ in range(5):
        await publish(sm, reservation_event(site))
    sent: list[str] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers["webhook-id"])
        return httpx.Response(200)

    deferred_before = REGISTRY.get_sample_value("reservation_ep_rate_limit_deferred_total") or 0
    worker = make_worker(sm, settings, box, receiver)
    await run_until(worker, status_is(sm, "succeeded", 5), timeout=30)
    deferred = REGISTRY.get_sample_value("reservation_ep_rate_limit_deferred_total")
    assert deferred is not None and deferred - deferred_before >= 4
    assert sorted(sent) == sorted(set(sent)) and len(sent) == 5
    assert [d.attempts for d in await all_deliveries(sm)] == [1] * 5
    for delivery in await all_deliveries(sm):
        assert len(await attempts_of(sm, delivery.id)) == 1


async def test_stopping_finishes_attempts_in_flight(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    await publish(sm, reservation_event(site))
    started = asyncio.Event()

    async def receiver(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(0.5)
        return httpx.Response(200)

    worker = make_worker(sm, settings, box, receiver)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(started.wait(), timeout=5)
    worker.stop()
    await task
    assert await worker.drain(5) == 0
    [delivery] = await all_deliveries(sm)
    assert delivery.status == "succeeded"


async def test_stopping_cuts_an_attempt_that_outlives_the_grace_and_leaves_it_pending(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    await publish(sm, reservation_event(site))
    started = asyncio.Event()

    async def receiver(request: httpx.Request) -> httpx.Response:
        started.set()
        await asyncio.sleep(1.5)
        return httpx.Response(200)

    worker = make_worker(sm, settings, box, receiver)
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(started.wait(), timeout=5)
    worker.stop()
    await task
    assert await worker.drain(0.1) == 1
    [delivery] = await all_deliveries(sm)
    # Still leased; another sender takes it once the lease is over.
    assert delivery.status == "pending" and delivery.locked_until is not None


async def test_backlog_of_due_deliveries_is_exported(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    from prometheus_client import REGISTRY

    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    for _ in range(3):
        await publish(sm, reservation_event(site))
    async with sm() as session:
        due, oldest = await webhook_deliveries.backlog(session)
    assert due == 3 and oldest >= 0

    async def receiver(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200)

    await run_until(make_worker(sm, settings, box, receiver), status_is(sm, "succeeded", 3))
    assert REGISTRY.get_sample_value("reservation_ep_deliveries_due") == 3
    async with sm() as session:
        assert (await webhook_deliveries.backlog(session))[0] == 0


async def test_a_connection_that_never_opened_is_retried_in_place_with_growing_waits(
    sm: SM, box: SecretBox, settings: Settings
) -> None:
    site = await create_site(sm)
    await create_subscription(sm, box, site=site)
    await publish(sm, reservation_event(site))
    calls: list[float] = []

    async def receiver(request: httpx.Request) -> httpx.Response:
        calls.append(asyncio.get_running_loop().time())
        if len(calls) <= 2:
            raise httpx.ConnectError("connection refused")
        return httpx.Response(204)

    in_place = settings.model_copy(update={"transport_retries": 2})
    worker = make_worker(sm, in_place, box, receiver)
    await run_until(worker, status_is(sm, "succeeded"))
    [delivery] = await all_deliveries(sm)
    # One attempt: the two refused connections never sent the request.
    assert [a.status_code for a in await attempts_of(sm, delivery.id)] == [204]
    assert len(calls) == 3
    assert calls[1] - calls[0] >= 0.09 and calls[2] - calls[1] >= 0.19
