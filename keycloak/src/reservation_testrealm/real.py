"""Real Keycloak, the pinned version (``keycloak/VERSION``), for tests and dev mode.

``scripts/keycloak.sh fetch`` (run by ``make services``) brings the server distribution; this
module starts it with ``start-dev`` (in-memory H2) on free loopback ports with its own home
directory, importing the production realm, optionally the dev-only demo users, and the login
theme, exactly the files compose and the chart mount. Client secrets are random per start.

    with RealKeycloak() as keycloak:
        keycloak.service_token("reservation-event-processor")
        keycloak.tokens("alice")  # code flow with PKCE through Keycloak's login page
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from reservation_common.testing import free_port

from reservation_testrealm.login import browser_client, code_flow
from reservation_testrealm.realm import DEFAULT_REALM_FILE, DEV_IMPORT_DIR, KEYCLOAK_DIR

REPO = KEYCLOAK_DIR.parent
SCRIPT = REPO / "scripts" / "keycloak.sh"
VERSION = (KEYCLOAK_DIR / "VERSION").read_text(encoding="utf-8").strip()
REALM = "reservations"
FRONTEND_CLIENT = "reservation-frontend"
CONFIDENTIAL_CLIENTS = tuple(
    client["clientId"]
    for client in json.loads(DEFAULT_REALM_FILE.read_text(encoding="utf-8"))["clients"]
    if not client.get("publicClient")
)
# Keycloak's first start on a busy two-core machine takes one to two minutes.
DEFAULT_START_TIMEOUT = float(os.environ.get("KEYCLOAK_START_TIMEOUT", "240"))
BASH = shutil.which("bash") or "/bin/bash"
HOW_TO_FETCH = "run `make services` (or `scripts/keycloak.sh fetch`)"


class KeycloakUnavailable(RuntimeError):
    """Keycloak's distribution is missing (``fetched`` false) or the server did not start."""

    def __init__(self, message: str, *, fetched: bool) -> None:
        super().__init__(message)
        self.fetched = fetched


def dev_users_files() -> list[Path]:
    return sorted(DEV_IMPORT_DIR.glob(f"{REALM}-users-*.json"))


def dev_passwords() -> dict[str, str]:
    """The demo users' known passwords, from the dev-only import."""
    passwords: dict[str, str] = {}
    for path in dev_users_files():
        for user in json.loads(path.read_text(encoding="utf-8"))["users"]:
            for credential in user.get("credentials", []):
                if credential.get("type") == "password":
                    passwords[user["username"]] = credential["value"]
    return passwords


def distribution_home() -> Path:
    """The unpacked, verified distribution; ``KeycloakUnavailable`` when it is not fetched."""
    result = subprocess.run(  # noqa: S603 - fixed script of this repository
        [BASH, str(SCRIPT), "home"], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise KeycloakUnavailable(
            f"Keycloak {VERSION} is not fetched: {HOW_TO_FETCH}", fetched=False
        )
    return Path(result.stdout.strip())


def process_group_rss(pgid: int) -> int:
    """Resident memory in bytes of every process in the group (kc.sh and its JVM)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError):
            continue
    return total


class RealKeycloak:
    """One Keycloak server: ``base_url``, ``issuer``, tokens and the admin REST API."""

    def __init__(
        self,
        *,
        dev_users: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        frontend_url: str = "http://localhost:5173",
        run_dir: Path | None = None,
        client_secrets: dict[str, str] | None = None,
        admin_password: str | None = None,
        extra_options: tuple[str, ...] = (),
    ) -> None:
        self.version = VERSION
        self.host = host
        self.port = port or free_port(host)
        self.management_port = free_port(host)
        self.base_url = f"http://{host}:{self.port}"
        self.realm = REALM
        self.issuer = f"{self.base_url}/realms/{REALM}"
        self.token_url = f"{self.issuer}/protocol/openid-connect/token"
        self.frontend_url = frontend_url.rstrip("/")
        self.dev_users = dev_users
        self.import_files = [DEFAULT_REALM_FILE, *(dev_users_files() if dev_users else [])]
        self._own_run_dir = run_dir is None
        self.run_dir = run_dir or Path(tempfile.mkdtemp(prefix="keycloak-run-"))
        self.log_path = self.run_dir / "keycloak.log"
        self.admin_username = "bootstrap-admin"
        self.admin_password = admin_password or secrets.token_urlsafe(18)
        self.client_secrets = client_secrets or {
            client: secrets.token_urlsafe(24) for client in CONFIDENTIAL_CLIENTS
        }
        self.extra_options = extra_options
        self.start_seconds: float | None = None
        self.rss_bytes: int | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self._http = httpx.Client(timeout=30.0)

    # lifecycle -----------------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("JAVA_OPTS", "KC_DB", "KC_DB_URL", "KC_HOSTNAME"):
            env.pop(name, None)
        env.update(
            KC_BOOTSTRAP_ADMIN_USERNAME=self.admin_username,
            KC_BOOTSTRAP_ADMIN_PASSWORD=self.admin_password,
            KEYCLOAK_FRONTEND_URL=self.frontend_url,
            # C1 only: a JVM living for one test run starts faster without the optimising JIT.
            JAVA_OPTS_APPEND="-XX:TieredStopAtLevel=1",
        )
        for client, secret in self.client_secrets.items():
            env["KEYCLOAK_CLIENT_SECRET_" + client.upper().replace("-", "_")] = secret
        return env

    def start(self, timeout: float = DEFAULT_START_TIMEOUT) -> RealKeycloak:
        distribution_home()  # fails with the way to fetch it when missing
        argv = [
            BASH,
            str(SCRIPT),
            "start-dev",
            str(self.run_dir),
            *(str(path) for path in self.import_files),
            "--",
            f"--http-host={self.host}",
            f"--http-port={self.port}",
            f"--http-management-port={self.management_port}",
            *self.extra_options,
        ]
        began = time.monotonic()
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed script of this repository
                argv,
                env=self.environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            self._wait_ready(began + timeout)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        self.rss_bytes = process_group_rss(self.process.pid)
        return self

    def _wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        ready = f"http://{self.host}:{self.management_port}/health/ready"
        discovery = f"{self.issuer}/.well-known/openid-configuration"
        while True:
            if self.process.poll() is not None:
                raise KeycloakUnavailable(
                    f"Keycloak {VERSION} exited with {self.process.returncode} during start-up:\n"
                    + self.log_tail(),
                    fetched=True,
                )
            try:
                if (
                    self._http.get(ready, timeout=5).status_code == 200
                    and self._http.get(discovery, timeout=5).status_code == 200
                ):
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise KeycloakUnavailable(
                    f"Keycloak {VERSION} was not ready within the start timeout "
                    f"(KEYCLOAK_START_TIMEOUT):\n{self.log_tail()}",
                    fetched=True,
                )
            time.sleep(1.0)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        self._http.close()

    def cleanup(self) -> None:
        """Remove the run directory (data and log) when this object created it."""
        if self._own_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> RealKeycloak:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        self.cleanup()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def describe(self) -> str:
        started = f"{self.start_seconds:.1f} s" if self.start_seconds is not None else "?"
        memory = f"{self.rss_bytes / 2**20:.0f} MiB" if self.rss_bytes else "?"
        return (
            f"Keycloak {self.version} (start-dev) at {self.base_url}: "
            f"started in {started}, RSS {memory}"
        )

    # tokens --------------------------------------------------------------------------------

    def client_secret(self, client_id: str) -> str:
        return self.client_secrets[client_id]

    def service_token_response(self, client_id: str) -> dict[str, Any]:
        response = self._http.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": self.client_secret(client_id),
            },
        )
        if response.status_code != 200:
            raise RuntimeError(f"token request refused: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body

    def service_token(self, client_id: str) -> str:
        return str(self.service_token_response(client_id)["access_token"])

    def tokens(
        self,
        username: str,
        password: str | None = None,
        *,
        client_id: str = FRONTEND_CLIENT,
        scope: str = "openid",
    ) -> dict[str, Any]:
        """A code flow with PKCE through Keycloak's login page (a fresh browser session)."""
        if password is None:
            password = dev_passwords()[username]
        with browser_client() as browser:
            return code_flow(
                browser,
                self.issuer,
                client_id=client_id,
                redirect_uri=f"{self.frontend_url}/callback",
                username=username,
                password=password,
                scope=scope,
            )

    def token(self, username: str, password: str | None = None) -> str:
        return str(self.tokens(username, password)["access_token"])

    # admin REST API --------------------------------------------------------------------------

    def admin_token(self) -> str:
        response = self._http.post(
            f"{self.base_url}/realms/master/protocol/openid-connect/token",
            data={
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": self.admin_username,
                "password": self.admin_password,
            },
        )
        response.raise_for_status()
        return str(response.json()["access_token"])

    def admin(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """A call to ``/admin/realms/<realm><path>`` as the bootstrap admin."""
        headers = {"Authorization": f"Bearer {self.admin_token()}"}
        return self._http.request(
            method, f"{self.base_url}/admin/realms/{self.realm}{path}", headers=headers, **kwargs
        )

    def active_kid(self, algorithm: str = "RS256") -> str:
        keys = self.admin("GET", "/keys").raise_for_status().json()
        return str(keys["active"][algorithm])

    def rotate_keys(self, priority: int = 1000) -> str:
        """Add an RSA key provider that outranks the current one; returns the new active kid."""
        realm_id = self.admin("GET", "").raise_for_status().json()["id"]
        name = f"rsa-rotated-{secrets.token_hex(4)}"
        self.admin(
            "POST",
            "/components",
            json={
                "name": name,
                "providerId": "rsa-generated",
                "providerType": "org.keycloak.keys.KeyProvider",
                "parentId": realm_id,
                "config": {
                    "priority": [str(priority)],
                    "keySize": ["2048"],
                    "algorithm": ["RS256"],
                },
            },
        ).raise_for_status()
        return self.active_kid()
