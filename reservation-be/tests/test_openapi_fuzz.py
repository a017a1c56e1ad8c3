"""Property-based requests generated from the OpenAPI document: no input may cause a 5xx.

Runs the schemathesis CLI against the API served on a loopback port, authenticated as a platform
admin (who may reach every endpoint's logic). Bounded: a few examples per operation.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys

from reservation_be.main import create_app
from reservation_be.testing import serve_in_thread

MAX_EXAMPLES = "10"
TIMEOUT_SECONDS = 240


def _run_schemathesis(base_url: str, token: str, workdir: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/api/v1/openapi.json",
        "--url",
        base_url,
        "--checks",
        "not_a_server_error",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        MAX_EXAMPLES,
        "--seed",
        "20261122",
        "--request-timeout",
        "20",
        "--header",
        f"Authorization: Bearer {token}",
        "--generation-database",
        "none",
        "--no-color",
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
        cwd=workdir,  # whatever the tool writes stays out of the tree
    )


async def test_no_generated_request_causes_a_server_error(settings, test_realm, db, tmp_path):
    app = create_app(settings)
    token = test_realm.token("admin")
    with serve_in_thread(app) as base_url:
        result = await asyncio.to_thread(_run_schemathesis, base_url, token, str(tmp_path))
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
