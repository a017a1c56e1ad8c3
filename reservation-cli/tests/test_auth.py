"""Signing in: the device flow through the realm's verification page, refresh, revocation,
tokens for scripts, profiles and where tokens are kept."""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import stat
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import Cli, World, new_person
from reservation_cli.config import load_profiles
from reservation_cli.errors import CliError, ExitCode
from reservation_cli.oidc import Oidc
from reservation_cli.tokens import FileTokenStore
from reservation_testrealm.server import TestRealm

RSV = shutil.which("rsv")


def stored(profile: str = "default"):  # type: ignore[no-untyped-def]
    tokens = FileTokenStore().load(profile)
    assert tokens is not None
    return tokens


def test_expired_access_token_is_refreshed_silently(cli: Cli, world: World) -> None:
    tokens = cli.login(world.member)
    FileTokenStore().save("default", tokens.model_copy(update={"expires_at": time.time() - 1}))

    result = cli("whoami", "-o", "json")

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["username"] == world.member.username
    assert stored().access_token != tokens.access_token
    assert stored().expires_at > time.time() + 200


def test_access_token_refused_by_the_api_is_refreshed_once(cli: Cli, world: World) -> None:
    tokens = cli.login(world.member)
    FileTokenStore().save("default", tokens.model_copy(update={"access_token": "not-a-jwt"}))

    result = cli("whoami", "-o", "json")

    assert result.exit_code == 0, result.stderr
    assert stored().access_token != "not-a-jwt"


def test_revoked_refresh_token_asks_to_log_in_again(
    cli: Cli, world: World, test_realm: TestRealm
) -> None:
    tokens = cli.login(world.member)
    response = httpx.post(
        f"{test_realm.local_issuer}/protocol/openid-connect/revoke",
        data={"client_id": "reservation-cli", "token": tokens.refresh_token},
    )
    assert response.status_code == 200
    FileTokenStore().save("default", tokens.model_copy(update={"expires_at": time.time() - 1}))

    result = cli("reservations", "list")

    assert result.exit_code == 5
    assert "run `rsv login` again" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_not_logged_in_and_unreachable_server_are_one_line(cli: Cli, world: World) -> None:
    nobody = cli("whoami")
    unreachable = cli("--server", "http://127.0.0.1:9", "whoami")

    assert nobody.exit_code == 5
    assert "run `rsv login --server URL`" in nobody.stderr
    assert unreachable.exit_code == 1
    assert unreachable.stderr.startswith("Error: Cannot reach http://127.0.0.1:9")
    assert "Traceback" not in unreachable.stderr


def test_rsv_token_is_used_as_it_is(cli: Cli, world: World, test_realm: TestRealm) -> None:
    token = test_realm.token(world.member.username)
    env = {"RSV_TOKEN": token, "RSV_SERVER": cli.server}

    ok = cli("whoami", "-o", "json", env=env)
    refused = cli("whoami", env=env | {"RSV_TOKEN": "garbage"})

    assert json.loads(ok.stdout)["username"] == world.member.username
    assert refused.exit_code == 5


def test_client_credentials_of_a_confidential_client(cli: Cli, test_realm: TestRealm) -> None:
    env = {
        "RSV_SERVER": cli.server,
        "RSV_CLIENT_ID": "switch-port-webhook",
        "RSV_CLIENT_SECRET": test_realm.client_secret("switch-port-webhook"),
    }

    # The API knows the caller as the client's service account (authenticated, then refused
    # by the policy: service accounts only report provisioning), not as an anonymous caller.
    me = cli("whoami", env=env)
    wrong = cli("whoami", env=env | {"RSV_CLIENT_SECRET": "wrong"})
    anonymous = cli("whoami", env={"RSV_SERVER": cli.server, "RSV_TOKEN": "garbage"})

    assert me.exit_code == 5
    assert "Service accounts cannot call this endpoint" in me.stderr
    assert "Service accounts" not in anonymous.stderr
    assert wrong.exit_code == 5
    assert "refused client switch-port-webhook" in wrong.stderr


def test_profiles_keep_installations_apart(cli: Cli, world: World, test_realm: TestRealm) -> None:
    other = new_person(test_realm)
    cli.login(world.member)
    cli.login(other, profile="second")

    default = cli.json("whoami")
    by_option = cli.json("--profile", "second", "whoami")
    by_env = cli("whoami", "-o", "json", env={"RSV_PROFILE": "second"})
    removed = cli("forget-profile", "second")
    gone = cli("--profile", "second", "whoami")

    assert default["username"] == world.member.username
    assert by_option["username"] == other.username
    assert json.loads(by_env.stdout)["username"] == other.username
    assert removed.exit_code == 0
    assert "second" not in load_profiles()
    assert gone.exit_code == 5


def test_token_file_is_private(cli: Cli, world: World, cli_home: Path) -> None:
    cli.login(world.member)

    path = cli_home / "rsv" / "tokens" / "default.json"

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


class Stderr:
    """The child's stderr, read line by line in a thread (no pipe buffer to fill up)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        assert process.stderr is not None
        stream = process.stderr
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen = ""
        threading.Thread(
            target=lambda: [self.lines.put(line) for line in stream], daemon=True
        ).start()

    def until(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.seen += self.lines.get(timeout=0.5)
            except queue.Empty:
                continue
            found = re.search(pattern, self.seen)
            if found:
                return found
        raise AssertionError(f"{pattern!r} not printed; got: {self.seen!r}")


def test_installed_rsv_logs_in_with_the_device_flow_and_logs_out(
    world: World, server: str, test_realm: TestRealm, cli_home: Path
) -> None:
    """The entry point as a user runs it: login through the realm's verification page, a
    command, logout revoking the session."""
    assert RSV is not None, "the rsv entry point is not installed"
    env = os.environ | {"RSV_PROFILE": "lab"}
    login = subprocess.Popen(
        [RSV, "login", "--server", server, "--no-qr"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        stderr = Stderr(login)
        found = stderr.until(r"or go straight to (\S+)", timeout=30)
        url = found.group(1)
        with httpx.Client(timeout=10) as browser:
            page = browser.get(url)
            action = re.search(r"action='([^']+)'", page.text)
            assert action is not None, page.text
            decided = browser.post(
                httpx.URL(url).join(action.group(1)),
                data={
                    "user_code": url.split("user_code=")[1],
                    "username": world.member.username,
                    "password": world.member.username,
                    "decision": "approve",
                },
            )
            assert "Device Login Successful" in decided.text
        logged_in = stderr.until(r"Logged in to \S+ as (\S+) ", timeout=60)
        login.wait(timeout=30)
    finally:
        if login.poll() is None:
            login.kill()
            login.wait()
        for pipe in (login.stdout, login.stderr):
            assert pipe is not None
            pipe.close()
    assert login.returncode == 0
    assert logged_in.group(1) == world.member.username
    assert load_profiles()["lab"].server == server

    whoami = subprocess.run(
        [RSV, "whoami", "-o", "json"], capture_output=True, text=True, env=env, timeout=60
    )
    refresh_token = FileTokenStore().load("lab").refresh_token  # type: ignore[union-attr]
    logout = subprocess.run([RSV, "logout"], capture_output=True, text=True, env=env, timeout=60)
    after = subprocess.run([RSV, "whoami"], capture_output=True, text=True, env=env, timeout=60)
    refreshed = httpx.post(
        test_realm.token_url,
        data={
            "grant_type": "refresh_token",
            "client_id": "reservation-cli",
            "refresh_token": refresh_token,
        },
    )

    assert json.loads(whoami.stdout)["username"] == world.member.username
    assert logout.returncode == 0
    assert "the session is revoked" in logout.stderr
    assert FileTokenStore().load("lab") is None
    assert after.returncode == 5
    assert refreshed.status_code == 400  # revoked at the identity provider, not only forgotten


def test_installed_rsv_help_and_usage_errors(server: str) -> None:
    assert RSV is not None
    helped = subprocess.run([RSV, "--help"], capture_output=True, text=True, timeout=60)
    bad = subprocess.run(
        [RSV, "book", "x", "--start", "when pigs fly", "--for", "1h"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert helped.returncode == 0
    assert "Exit codes" in helped.stdout
    assert bad.returncode == 2
    assert "is not a time" in bad.stderr
    assert "Traceback" not in bad.stderr


def _decide_on_device_page(url: str, username: str, decision: str) -> None:
    with httpx.Client(timeout=10) as browser:
        page = browser.get(url)
        action = re.search(r"action='([^']+)'", page.text)
        assert action is not None, page.text
        browser.post(
            httpx.URL(url).join(action.group(1)),
            data={
                "user_code": url.split("user_code=")[1],
                "username": username,
                "password": username,
                "decision": decision,
            },
        )


def test_polling_slows_down_when_the_server_says_so(world: World, test_realm: TestRealm) -> None:
    """Polls without waiting (a recorded sleep): the realm answers slow_down, and the next
    wait is five seconds longer (RFC 8628 3.5)."""
    waits: list[float] = []
    with httpx.Client(timeout=10) as http:
        oidc = Oidc(http, test_realm.issuer, "reservation-cli")
        grant = oidc.start_device_authorization()
        assert grant.verification_uri_complete is not None

        def sleep(seconds: float) -> None:
            waits.append(seconds)
            if len(waits) == 3:
                _decide_on_device_page(
                    grant.verification_uri_complete or "", world.member.username, "approve"
                )

        tokens = oidc.poll_device_token(grant, sleep=sleep)

    assert waits == [5.0, 5.0, 10.0]  # pending, slow_down, then approved
    assert tokens.refresh_token is not None


def test_denied_login_is_an_auth_error(world: World, test_realm: TestRealm) -> None:
    with httpx.Client(timeout=10) as http:
        oidc = Oidc(http, test_realm.issuer, "reservation-cli")
        grant = oidc.start_device_authorization()

        def sleep(seconds: float) -> None:
            _decide_on_device_page(
                grant.verification_uri_complete or "", world.member.username, "deny"
            )

        with pytest.raises(CliError) as raised:
            oidc.poll_device_token(grant, sleep=sleep)

    assert raised.value.code == ExitCode.AUTH
    assert "denied" in raised.value.message
