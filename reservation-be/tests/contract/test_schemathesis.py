"""The API against its own OpenAPI document: schemathesis with every check and every phase.

The live app is served on a loopback port and the schemathesis CLI runs over it twice: as a
platform admin (who reaches every operation's logic) and as alice, a plain member of the site
the test creates. Every check is on (no 5xx, status codes, content types, headers and bodies as
documented, schema-violating requests refused, valid ones accepted, 405 with Allow, ...) over the
examples, coverage, fuzzing and stateful phases. Generation is deterministic, so a failure
replays; the CLI prints each failure with the smallest request that shows it as a curl line.
Bounded by ``max-examples`` in ``schemathesis.toml`` beside this file and ``TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from reservation_be.main import create_app
from reservation_be.testing import serve_in_thread
from reservation_db.models import SiteRole

from tests import factories
from tests.reservations.factories import booking, hours_from_now, make_resource, make_type
from tests.webhooks.factories import subscription

CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
SITE = "contract-lab"  # the site the config's [parameters] name
TIMEOUT_SECONDS = 420
PHASES = "examples,coverage,fuzzing,stateful"


def _run_schemathesis(
    base_url: str, workdir: Path, ids: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--url",
        base_url,
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--request-timeout",
        "20",
        "--workers",
        "1",
        "--no-color",
        # Every exchange, to count the requests of the run.
        "--report",
        "har",
        "--report-har-path",
        str(workdir / "run.har"),
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
        cwd=workdir,  # whatever the tool writes stays out of the tree
        # The rows the config's [parameters] name, and the hooks module beside this file.
        env={
            **os.environ,
            **ids,
            "SCHEMATHESIS_HOOKS": HOOKS.stem,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(HOOKS.parent), os.environ.get("PYTHONPATH")])
            ),
        },
    )


def _requests(workdir: Path) -> int:
    har = workdir / "run.har"
    return len(json.loads(har.read_text())["log"]["entries"]) if har.exists() else -1


def _summary(stdout: str) -> str:
    """The closing part of the CLI's output: warnings, phases, failures by kind, counts."""
    start = stdout.rfind("WARNINGS")
    start = start if start >= 0 else stdout.rfind("SUMMARY")
    return stdout[start:] if start >= 0 else stdout[-4000:]


@pytest.mark.parametrize("who", ["admin", "alice"])
async def test_the_api_keeps_its_openapi_contract(
    who, settings, test_realm, db, session, people, tmp_path
):
    site = await factories.create_site(session, slug=SITE)
    await factories.add_member(session, site, people["alice"], SiteRole.MEMBER, username="alice")
    await factories.create_site(session, slug="contract-doomed")
    rtype = await make_type(session, site, name="server")
    resource = await make_resource(session, site, rtype, name="rack-a")
    doomed_type = await make_type(session, site, name="doomed")
    doomed_resource = await make_resource(session, site, rtype, name="doomed")
    await session.commit()
    hook = await subscription(session, site.id)
    doomed_hook = await subscription(session, site.id)
    app = create_app(settings)
    # Signed in as a browser does; the hooks renew the access token with the refresh token.
    signed_in = test_realm.tokens(who)
    ids_auth = {
        "CONTRACT_REFRESH_TOKEN": signed_in["refresh_token"],
        "CONTRACT_TOKEN_URL": test_realm.token_url,
        "CONTRACT_CLIENT_ID": "reservation-frontend",
    }
    with serve_in_thread(app) as base_url:
        # Built once and cached: schemathesis's own fetch of it must not wait on a busy machine.
        spec = httpx.get(f"{base_url}/api/v1/openapi.json", timeout=120)
        assert spec.status_code == 200
        start = hours_from_now(0)
        booked = httpx.post(
            f"{base_url}/api/v1/reservations",
            json=booking(resource, start, start + timedelta(hours=1)),
            headers={"Authorization": f"Bearer {test_realm.token('alice')}"},
            timeout=20,
        )
        assert booked.status_code == 201, booked.text
        ids = {
            "CONTRACT_TYPE_ID": str(rtype.id),
            "CONTRACT_RESOURCE_ID": str(resource.id),
            "CONTRACT_RESERVATION_ID": booked.json()["id"],
            "CONTRACT_WEBHOOK_ID": str(hook.id),
            "CONTRACT_DOOMED_TYPE_ID": str(doomed_type.id),
            "CONTRACT_DOOMED_RESOURCE_ID": str(doomed_resource.id),
            "CONTRACT_DOOMED_WEBHOOK_ID": str(doomed_hook.id),
        }
        result = await asyncio.to_thread(_run_schemathesis, base_url, tmp_path, {**ids, **ids_auth})
    print(f"[{who}] requests sent: {_requests(tmp_path)}\n{_summary(result.stdout)}")
    assert "Test cases:" in result.stdout, result.stdout[-6000:] + result.stderr[-3000:]
    # On failure: every failure with its curl reproduction, then the summary.
    assert result.returncode == 0, result.stdout[-30000:] + result.stderr[-3000:]
