"""Chromium (the system's, no browser download) driven by Playwright for the real-Keycloak suite."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        try:
            yield browser
        finally:
            browser.close()


def device_login(
    browser: Browser, issuer: str, username: str, password: str, *, locale: str = "en-US"
) -> dict[str, Any]:
    """The device authorization grant of ``reservation-cli``, as the CLI and a person do it:
    the CLI asks for a code and polls; the person opens the verification URI in a browser, signs
    in and confirms. Returns the token response the CLI receives."""
    oidc = f"{issuer}/protocol/openid-connect"
    with httpx.Client(timeout=30) as cli:
        started = cli.post(f"{oidc}/auth/device", data={"client_id": "reservation-cli"})
        started.raise_for_status()
        grant = started.json()
        pending = cli.post(
            f"{oidc}/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "client_id": "reservation-cli",
                "device_code": grant["device_code"],
            },
        )
        assert pending.status_code == 400 and pending.json()["error"] == "authorization_pending"

        context = browser.new_context(locale=locale)
        try:
            page = context.new_page()
            page.goto(grant["verification_uri_complete"])
            page.fill("#username", username)
            page.fill("#password", password)
            if page.locator("#kc-device-form").count():
                # The test realm's device page: code, credentials and decision on one form.
                page.click("button[name=decision][value=approve]")
            else:
                page.click("#kc-login")
            # Keycloak asks the person to grant the device access (its OAUTH_GRANT step), then
            # ends on its "device login successful" page.
            page.wait_for_load_state()
            if page.locator("[name=accept]").count():
                page.click("[name=accept]")
                page.wait_for_load_state()
            final_text = page.inner_text("body")
        finally:
            context.close()

        deadline = time.monotonic() + 90
        interval = int(grant.get("interval", 5))
        while True:
            time.sleep(interval)  # polling faster than the interval is answered "slow_down"
            answer = cli.post(
                f"{oidc}/token",
                data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                    "client_id": "reservation-cli",
                    "device_code": grant["device_code"],
                },
            )
            if answer.status_code == 200:
                body: dict[str, Any] = answer.json()
                body["_verification_page_text"] = final_text
                return body
            error = answer.json().get("error")
            if error not in ("authorization_pending", "slow_down") or time.monotonic() > deadline:
                raise AssertionError(f"device grant did not complete: {answer.text}")
            if error == "slow_down":
                interval += 5
