from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
from reservation_common.testing import free_port


async def test_serve_starts_the_api_and_logs_json(database_url, settings):
    port = free_port()
    env = {
        **os.environ,
        "RESERVATION_BE_DATABASE_URL": database_url,
        "RESERVATION_BE_OIDC_ISSUER": settings.oidc_issuer,
        "RESERVATION_BE_WORKERS_ENABLED": "false",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "reservation_be", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        ready = None
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    ready = await client.get("/readyz", headers={"X-Request-Id": "cli-check"})
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.2)
        assert ready is not None, "the server did not answer"
        assert ready.status_code == 200
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert process.returncode in (0, -15)
    assert '"request_id": "cli-check"' in stderr
