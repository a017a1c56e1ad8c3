"""Event processor benchmark: RabbitMQ -> processor -> signed POST -> verified at a receiver.

    uv run python reservation-event-processor/bench/delivery_bench.py [--short]

Prints, in one run against the same local receiver (its own process):
  raw      signed httpx POSTs straight to the receiver (the ceiling);
  fixed    events committed to the outbox at a fixed rate: commit -> verified latency p50/p99;
  burst    events committed as fast as possible: delivered events/s, latency p50/p99,
           and the ratio to the raw POST rate.
Path: outbox commit -> the backend's relay (LISTEN/NOTIFY, in this process) -> RabbitMQ ->
the processor (its own process, ``reservation-event-processor run``) -> receiver. Uses the
local PostgreSQL and RabbitMQ with a temporary database and uniquely named broker objects.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import httpx
from reservation_be.kit.outbox import enqueue
from reservation_be.testing import temporary_database
from reservation_be.workers.listener import asyncpg_dsn
from reservation_be.workers.relay import OutboxRelay
from reservation_common.crypto import SecretBox, generate_key
from reservation_common.events import (
    Event,
    EventType,
    OwnerData,
    Period,
    ReservationData,
    ReservationEventData,
    ResourceData,
    ResourceTypeRef,
    SiteRef,
    make_event,
)
from reservation_common.signing import generate_secret, signed_headers
from reservation_common.testing import free_port
from reservation_db.models.site import Site
from reservation_db.models.webhook_secret import WebhookSecret
from reservation_db.models.webhook_subscription import WebhookSubscription
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

HERE = Path(__file__).resolve().parent
AMQP_URL = os.environ.get("BENCH_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux), a figure the machine's load does not skew."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def wait_http(url: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} not ready")


def new_event(site: Site) -> Event:
    start = datetime.now(UTC)
    data = ReservationEventData(
        reservation=ReservationData(
            id=uuid.uuid4(),
            title="bench",
            status="active",
            period=Period(start=start, end=start + timedelta(hours=1)),
            version=1,
        ),
        resource=ResourceData(
            id=uuid.uuid4(),
            name="r",
            status="active",
            type=ResourceTypeRef(id=uuid.uuid4(), name="t"),
        ),
        site=SiteRef(id=site.id, slug=site.slug, name=site.name),
        owner=OwnerData(id="u", username="bench"),
    )
    return make_event(EventType.RESERVATION_STARTED, data)


async def receiver_stats(client: httpx.AsyncClient, base: str) -> dict[str, object]:
    return (await client.get(f"{base}/stats")).json()  # type: ignore[no-any-return]


async def wait_count(client: httpx.AsyncClient, base: str, n: int, within: float) -> float:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (await receiver_stats(client, base))["count"] >= n:  # type: ignore[operator]
            return time.monotonic()
        await asyncio.sleep(0.02)
    raise RuntimeError(f"only {(await receiver_stats(client, base))['count']} of {n} arrived")


async def raw_posts(base: str, secret: str, n: int, concurrency: int) -> float:
    body = b'{"id":"evt_raw","type":"webhook.ping","timestamp":"2026-01-01T00:00:00Z","data":{}}'
    sem = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient() as client:

        async def one() -> None:
            async with sem:
                headers = signed_headers(
                    msg_id=f"msg_{uuid.uuid4().hex}", body=body, secrets=[secret]
                )
                r = await client.post(f"{base}/hook", content=body, headers=headers)
                r.raise_for_status()

        t0 = time.monotonic()
        await asyncio.gather(*(one() for _ in range(n)))
        return n / (time.monotonic() - t0)


async def main(short: bool) -> None:
    n_raw, rate, seconds, burst = (300, 40, 5, 400) if short else (1000, 100, 10, 2000)
    key = generate_key()
    secret = generate_secret()
    suffix = uuid.uuid4().hex[:8]
    exchange, queue = f"bench.events.{suffix}", f"bench-ep-{suffix}"
    rport, pport = free_port(), free_port()
    base = f"http://127.0.0.1:{rport}"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    async with temporary_database(prefix="rep_bench") as url:
        engine = create_async_engine(url)
        sm = async_sessionmaker(engine, expire_on_commit=False)
        async with sm() as session, session.begin():
            site = Site(slug=f"bench-{suffix}", name="Bench")
            session.add(site)
            await session.flush()
            sub = WebhookSubscription(
                site_id=site.id, name="bench", url=f"{base}/hook", max_concurrency=32
            )
            session.add(sub)
            await session.flush()
            session.add(
                WebhookSecret(
                    subscription_id=sub.id, secret_encrypted=SecretBox(key).encrypt(secret)
                )
            )
        receiver = await asyncio.create_subprocess_exec(
            sys.executable, str(HERE / "receiver.py"), str(rport), secret, env=env
        )
        processor = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "reservation_event_processor",
            "run",
            env={
                **env,
                "RESERVATION_EP_DATABASE_URL": url,
                "RESERVATION_EP_AMQP_URL": AMQP_URL,
                "RESERVATION_EP_EXCHANGE": exchange,
                "RESERVATION_EP_QUEUE": queue,
                "RESERVATION_EP_WEBHOOK_SECRETS_KEY": key,
                "RESERVATION_EP_SSRF_ALLOWLIST": "127.0.0.1/32",
                "RESERVATION_EP_PORT": str(pport),
                "RESERVATION_EP_LOG_LEVEL": "WARNING",
                "RESERVATION_EP_POLL_INTERVAL": "200ms",
            },
        )
        try:
            await wait_http(f"{base}/stats")
            await wait_http(f"http://127.0.0.1:{pport}/readyz")
            relay = OutboxRelay(
                sessionmaker=sm, amqp_url=AMQP_URL, exchange=exchange, listen_dsn=asyncpg_dsn(url)
            )
            relaying = asyncio.create_task(relay.run())

            async def publish(event: Event) -> None:
                async with sm() as session, session.begin():
                    await enqueue(session, event)

            async with httpx.AsyncClient() as client:
                raw_rate = await raw_posts(base, secret, n_raw, 32)
                await client.post(f"{base}/reset")
                print(f"raw      {n_raw} signed POSTs, 32 concurrent: {raw_rate:8.1f} req/s")

                t0 = time.monotonic()
                for i in range(rate * seconds):
                    target = t0 + i / rate
                    await asyncio.sleep(max(0.0, target - time.monotonic()))
                    await publish(new_event(site))
                await wait_count(client, base, rate * seconds, within=120)
                lat = (await receiver_stats(client, base))["latencies"]
                assert isinstance(lat, list)
                print(
                    f"fixed    {rate} events/s for {seconds} s: latency "
                    f"p50 {pct(lat, 50) * 1000:7.1f} ms  p99 {pct(lat, 99) * 1000:7.1f} ms  "
                    f"max {max(lat) * 1000:7.1f} ms"
                )
                await client.post(f"{base}/reset")

                cpu0 = cpu_seconds(processor.pid)
                t0 = time.monotonic()
                pending = asyncio.Semaphore(16)

                async def commit() -> None:
                    async with pending:
                        await publish(new_event(site))  # timestamped just before its commit

                await asyncio.gather(*(commit() for _ in range(burst)))
                published = time.monotonic()
                done = await wait_count(client, base, burst, within=300)
                stats = await receiver_stats(client, base)
                lat = stats["latencies"]
                assert isinstance(lat, list)
                eps = burst / (done - t0)
                print(
                    f"burst    {burst} events: committed in {published - t0:5.2f} s, delivered "
                    f"{eps:7.1f} events/s  p50 {pct(lat, 50) * 1000:7.1f} ms  "
                    f"p99 {pct(lat, 99) * 1000:7.1f} ms"
                )
                cpu = cpu_seconds(processor.pid) - cpu0
                print(f"ratio    delivered events/s / raw POST rate = {eps / raw_rate:5.2f}")
                print(f"cpu      processor: {cpu / burst * 1000:5.2f} ms CPU per delivered event")
                print(f"rejected signatures at the receiver: {stats['rejected']}")
                print(
                    f"({statistics.mean(os.getloadavg()):.1f} average load on "
                    f"{os.cpu_count()} cores while measuring)"
                )
            relay.stop()
            await relaying
        finally:
            processor.terminate()
            await asyncio.wait_for(processor.wait(), 30)
            receiver.terminate()
            await asyncio.wait_for(receiver.wait(), 10)
            conn = await aio_pika.connect(AMQP_URL)
            async with conn:
                ch = await conn.channel()
                for q in (queue, f"{queue}.dead"):
                    await ch.queue_delete(q)
                for e in (exchange, f"{queue}.dead"):
                    await ch.exchange_delete(e)
            await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--short", action="store_true", help="smaller run (about 30 s)")
    asyncio.run(main(parser.parse_args().short))
