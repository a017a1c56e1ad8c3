"""Switch-port webhook figures: it prints them and asserts nothing.

    uv run python webhook-examples/switch-port/bench_switch_port.py [--ports 40] [--switches 4]

Against simulated switches over real SSH on loopback (scrapli driver, one session per job):

1. webhook answer time for signed starting events (p50/p95): the HTTP side only, the switch
   work is queued;
2. one switch: time until all ports are on their VLAN, as ports per second (sessions per switch
   are serialised, so this is the per-switch ceiling);
3. several switches: the same load spread over them, worked on in parallel;
4. a start then end cycle of one port, end to end (event sent -> port verified), p50/p95.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from reservation_common.events import (
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
from standardwebhooks.webhooks import Webhook
from switch_port_webhook import Settings, SimulatedSwitch, SwitchConfig, create_app

SECRET = "whsec_" + "YmVuY2gtc3dpdGNoLXBvcnQtc2VjcmV0LTMyLWJ5dGVzIQ=="


def event(type_: EventType, reservation_id: uuid.UUID, switch: str, port: str, vlan: int) -> bytes:
    now = datetime.now(UTC)
    data = ReservationEventData(
        reservation=ReservationData(
            id=reservation_id,
            title="bench",
            status="confirmed",
            period=Period(start=now, end=now + timedelta(hours=1)),
            parameters={"vlan_id": vlan},
            version=1,
        ),
        resource=ResourceData(
            id=uuid.uuid4(),
            name=port,
            status="active",
            type=ResourceTypeRef(id=uuid.uuid4(), name="switch-port"),
            attributes={"switch": switch, "interface": port},
        ),
        site=SiteRef(id=uuid.uuid4(), slug="bench", name="Bench"),
        owner=OwnerData(id="bench", username="bench"),
    )
    return json.dumps(make_event(type_, data).model_dump(mode="json")).encode()


def headers(body: bytes) -> dict[str, str]:
    msg_id = f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(SECRET).sign(msg_id, now, body.decode()),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Bench:
    def __init__(self, switches: list[SimulatedSwitch], ports: list[str]) -> None:
        self.switches = switches
        self.ports = ports

    async def __aenter__(self) -> Bench:
        configs = {
            s.hostname: SwitchConfig(
                host="127.0.0.1",
                port=s.port,
                username=s.username,
                password=s.password,
                enable_secret=s.enable_secret,
                ports=frozenset(self.ports),
            )
            for s in self.switches
        }
        settings = Settings(webhook_secret=SECRET, switches=configs, allowed_vlans="100-999")
        self.app = create_app(settings)
        self._lifespan = self.app.router.lifespan_context(self.app)
        await self._lifespan.__aenter__()
        transport = httpx.ASGITransport(app=self.app)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://hook")
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.aclose()
        await self._lifespan.__aexit__(None, None, None)

    async def send(self, body: bytes) -> float:
        started = time.perf_counter()
        response = await self.client.post("/webhook", content=body, headers=headers(body))
        elapsed = time.perf_counter() - started
        if response.status_code != 202:
            raise RuntimeError(f"webhook answered {response.status_code}: {response.text}")
        return elapsed

    async def settle(self) -> None:
        await self.app.state.workers.join()


async def load(switch_count: int, ports: list[str]) -> tuple[list[float], float]:
    switches = [SimulatedSwitch(hostname=f"sw{n}", interfaces=ports) for n in range(switch_count)]
    for s in switches:
        await s.start()
    try:
        async with Bench(switches, ports) as bench:
            started = time.perf_counter()
            answers: list[float] = []
            for n, port in enumerate(ports):
                switch = switches[n % switch_count]
                body = event(
                    EventType.RESERVATION_STARTING, uuid.uuid4(), switch.hostname, port, 100 + n
                )
                answers.append(await bench.send(body))
            await bench.settle()
            total = time.perf_counter() - started
            done = sum(s.port_state(p).access_vlan != 1 for s in switches for p in ports)
            if done != len(ports):
                raise RuntimeError(f"only {done} of {len(ports)} ports were provisioned")
            return answers, total
    finally:
        for s in switches:
            await s.stop()


async def cycles(count: int) -> list[float]:
    switch = SimulatedSwitch(hostname="sw0", interfaces=["Gi1/0/1"])
    await switch.start()
    durations: list[float] = []
    try:
        async with Bench([switch], ["Gi1/0/1"]) as bench:
            for _ in range(count):
                reservation_id = uuid.uuid4()
                started = time.perf_counter()
                for type_ in (EventType.RESERVATION_STARTING, EventType.RESERVATION_ENDED):
                    await bench.send(event(type_, reservation_id, "sw0", "Gi1/0/1", 142))
                    await bench.settle()
                durations.append(time.perf_counter() - started)
                if switch.port_state("Gi1/0/1").access_vlan != 1:
                    raise RuntimeError("the port was not released")
    finally:
        await switch.stop()
    return durations


def ms(value: float) -> str:
    return f"{value * 1000:.1f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=int, default=40)
    parser.add_argument("--switches", type=int, default=4)
    parser.add_argument("--cycles", type=int, default=10)
    args = parser.parse_args()
    ports = [f"Gi1/0/{n}" for n in range(1, args.ports + 1)]

    answers, one = await load(1, ports)
    print(
        f"webhook answer, {len(answers)} events: p50 {ms(statistics.median(answers))}, "
        f"p95 {ms(percentile(answers, 0.95))}"
    )
    rate = len(ports) / one
    print(f"1 switch: {len(ports)} ports on their VLAN in {one:.2f} s ({rate:.1f} ports/s)")
    _, many = await load(args.switches, ports)
    print(
        f"{args.switches} switches: {len(ports)} ports in {many:.2f} s "
        f"({len(ports) / many:.1f} ports/s)"
    )
    durations = await cycles(args.cycles)
    print(
        f"start+end cycle of one port, {len(durations)} runs: "
        f"p50 {ms(statistics.median(durations))}, p95 {ms(percentile(durations, 0.95))}"
    )


if __name__ == "__main__":
    asyncio.run(main())
