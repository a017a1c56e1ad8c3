"""``reservation-testrealm`` as a process, as dev mode runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
from reservation_common.testing import free_port


def test_process_warns_it_is_not_for_production_and_serves_the_public_issuer() -> None:
    port = free_port()
    public = "http://auth.reservations.test:9999"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reservation_testrealm",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--public-url",
            public,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"KEYCLOAK_CLIENT_SECRET_RESERVATION_API": "from-the-environment"},
    )
    try:
        discovery = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            try:
                discovery = httpx.get(
                    f"http://127.0.0.1:{port}/realms/reservations/.well-known/openid-configuration"
                )
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert discovery is not None, "the process did not start"
        token = httpx.post(
            f"http://127.0.0.1:{port}/realms/reservations/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": "reservation-api",
                "client_secret": "from-the-environment",
            },
        )
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)

    assert discovery.json()["issuer"] == f"{public}/realms/reservations"
    assert token.status_code == 200
    assert "DEVELOPMENT/TEST IDENTITY PROVIDER - NOT FOR PRODUCTION" in stderr
