"""Quotas raced from two real backend servers (``reservation-be serve``, one worker process
each, every process with its own connection pool): the count is never over the limit.

The advisory locks of ``fairuse.rules.prepare_quotas`` live in PostgreSQL, so they order the
counts of bookings arriving through different processes exactly as those of one process.
"""

from __future__ import annotations

import asyncio

import httpx
from sqlalchemy import text

from tests.reservations.factories import booking, hours_from_now, make_resource, racers_headers
from tests.reservations.test_contention_workers import _servers, _wait_ready

CLIENTS = 16
# Two fresh interpreters importing the app on a machine shared with other suites.
STARTUP_SECONDS = 360


async def _race(client, urls, requests):
    """``requests``: (body, headers); sent together, alternating between the servers."""
    gate = asyncio.Event()

    async def one(i, body, headers):  # type: ignore[no-untyped-def]
        await gate.wait()
        return await client.post(
            f"{urls[i % len(urls)]}/api/v1/reservations", json=body, headers=headers
        )

    tasks = [asyncio.create_task(one(i, b, h)) for i, (b, h) in enumerate(requests)]
    await asyncio.sleep(0)
    gate.set()
    return await asyncio.wait_for(asyncio.gather(*tasks), timeout=180)


async def test_two_servers_never_book_one_member_or_one_group_over_the_limit(
    settings, database_url, lab, session, test_realm, auth, people
):
    resources = [
        await make_resource(session, lab.site, lab.rtype, name=f"node-{i}") for i in range(CLIENTS)
    ]
    await session.commit()
    racers = await racers_headers(session, lab, test_realm, auth, CLIENTS)
    racer_ids = [test_realm.user_id(f"racer{i}") for i in range(8)]
    alice = await auth("alice")
    with _servers(database_url, settings.oidc_issuer, workers=1) as urls:
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(timeout=120, limits=limits) as client:
            for url in urls:
                await _wait_ready(client, url, within=STARTUP_SECONDS)
            api = f"{urls[0]}/api/v1"
            own = await client.post(
                f"{api}/sites/{lab.site.id}/quotas",
                json={"user_id": people["bob"], "max_concurrent": 2},
                headers=alice,
            )
            assert own.status_code == 201, own.text
            group = await client.post(
                f"{api}/sites/{lab.site.id}/member-groups",
                json={"name": "racers", "members": racer_ids},
                headers=alice,
            )
            assert group.status_code == 201, group.text
            total = await client.post(
                f"{api}/sites/{lab.site.id}/quotas",
                json={"group_id": group.json()["id"], "group_scope": "total", "max_concurrent": 3},
                headers=alice,
            )
            assert total.status_code == 201, total.text

            # One member, 16 bookings of 16 resources at once, through both servers.
            bob = await auth("bob")
            start, end = hours_from_now(0), hours_from_now(2)
            mine = await _race(
                client, urls, [(booking(r, start, end, title="bob"), bob) for r in resources]
            )
            codes = sorted(r.status_code for r in mine)
            assert codes == [201] * 2 + [409] * (CLIENTS - 2), codes
            assert all(
                r.json()["type"].endswith("quota-exceeded") for r in mine if r.status_code == 409
            )

            # Eight members of one group, 16 bookings at once: the group's total decides.
            start, end = hours_from_now(3), hours_from_now(5)
            theirs = await _race(
                client,
                urls,
                [(booking(r, start, end, title=f"racer {i}"), racers[i]) for i, r in
                 enumerate(resources)],
            )  # fmt: skip
            codes = sorted(r.status_code for r in theirs)
            assert codes == [201] * 3 + [409] * (CLIENTS - 3), codes
            refused = [r.json() for r in theirs if r.status_code == 409]
            assert {p["quota"]["group_scope"] for p in refused} == {"total"}
            assert {(p["usage"], p["limit"]) for p in refused} == {(4, 3)}

    stored = await session.execute(
        text(
            "SELECT owner_id = :bob AS bob, count(*) FROM reservations"
            " WHERE status IN ('pending', 'confirmed', 'active') GROUP BY 1 ORDER BY 1"
        ),
        {"bob": people["bob"]},
    )
    assert [tuple(r) for r in stored] == [(False, 3), (True, 2)]
