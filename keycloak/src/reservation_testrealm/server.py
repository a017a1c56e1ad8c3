"""Runs the test realm in a background thread on a free loopback port, for tests and dev mode."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
import uvicorn

from reservation_testrealm.app import create_app
from reservation_testrealm.login import browser_client, code_flow
from reservation_testrealm.realm import User
from reservation_testrealm.state import RealmState

STARTUP_TIMEOUT_SECONDS = 10.0


class TestRealm:
    """A running test realm and the helpers tests use to get tokens and shape the realm.

    ``issuer`` is what tokens carry; with ``public_url`` it names another origin than the
    loopback address the server listens on (``local_url``, ``local_issuer``).
    """

    __test__ = False  # not a test class, whatever pytest's name rules say

    def __init__(
        self,
        realm_file: str | Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
    ) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        bound_port = self._socket.getsockname()[1]
        self.local_url = f"http://{host}:{bound_port}"
        self.base_url = (public_url or self.local_url).rstrip("/")
        self.app = create_app(realm_file, self.base_url)
        self._state: RealmState = self.app.state.realm
        self.realm_name = self._state.name
        self.issuer = f"{self.base_url}/realms/{self.realm_name}"
        self.local_issuer = f"{self.local_url}/realms/{self.realm_name}"
        self.token_url = f"{self.local_issuer}/protocol/openid-connect/token"
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
            loop="asyncio",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="reservation-testrealm",
            daemon=True,
        )
        self._http = httpx.Client(timeout=10.0)

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> TestRealm:
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test realm did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=STARTUP_TIMEOUT_SECONDS)
        self._http.close()
        self._socket.close()

    def __enter__(self) -> TestRealm:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # tokens --------------------------------------------------------------------------------

    def tokens(
        self,
        username: str,
        password: str | None = None,
        *,
        client_id: str = "reservation-frontend",
        scope: str = "openid",
    ) -> dict[str, Any]:
        """The token response of a code flow with PKCE through the login form, as a browser
        signs in (no client of the realm allows the password grant). Demo users' passwords are
        known; ``client_id`` must allow the standard flow."""
        if password is None:
            user = self._state.service.realm.user_by_username(username)
            if user is None or user.password is None:
                raise KeyError(f"no user {username!r} with a password in the realm")
            password = user.password
        client = self._state.service.realm.clients[client_id]
        if not client.redirect_uris:
            raise KeyError(f"{client_id} has no redirect URI for the code flow")
        redirect_uri = client.redirect_uris[0].replace("*", "callback")
        with browser_client(10.0) as browser:
            return code_flow(
                browser,
                self.local_issuer,
                client_id=client_id,
                redirect_uri=redirect_uri,
                username=username,
                password=password,
                scope=scope,
            )

    def device_tokens(
        self,
        username: str,
        password: str | None = None,
        *,
        client_id: str = "reservation-cli",
        scope: str | None = None,
    ) -> dict[str, Any]:
        """The token response of the device authorization grant (what the CLI receives), the
        person approving on the realm's device page with their password."""
        if password is None:
            user = self._state.service.realm.user_by_username(username)
            if user is None or user.password is None:
                raise KeyError(f"no user {username!r} with a password in the realm")
            password = user.password
        oidc = f"{self.local_issuer}/protocol/openid-connect"
        started = self._http.post(
            f"{oidc}/auth/device",
            data={"client_id": client_id} | ({"scope": scope} if scope else {}),
        )
        if started.status_code != 200:
            raise RuntimeError(f"device grant refused: {started.status_code} {started.text}")
        grant = started.json()
        decided = self._http.post(
            f"{self.local_url}/realms/{self.realm_name}/device",
            data={
                "user_code": grant["user_code"],
                "username": username,
                "password": password,
                "decision": "approve",
            },
        )
        if decided.status_code != 200:
            raise RuntimeError(f"device approval refused: {decided.status_code}")
        return self._post_token(
            {
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "client_id": client_id,
                "device_code": grant["device_code"],
            }
        )

    def token(self, username: str, password: str | None = None) -> str:
        """An access token for ``username`` (audience ``reservation-api``)."""
        return str(self.tokens(username, password)["access_token"])

    def service_token(self, client_id: str) -> str:
        """A client-credentials access token of ``client_id``'s service account."""
        body = self._post_token(
            {
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": self.client_secret(client_id),
            }
        )
        return str(body["access_token"])

    def client_secret(self, client_id: str) -> str:
        secret = self._state.service.realm.clients[client_id].secret
        if secret is None:
            raise KeyError(f"{client_id} is a public client")
        return secret

    def _post_token(self, data: dict[str, str]) -> dict[str, Any]:
        response = self._http.post(self.token_url, data=data)
        if response.status_code != 200:
            raise RuntimeError(f"token request refused: {response.status_code} {response.text}")
        body: dict[str, Any] = response.json()
        return body

    # realm changes ---------------------------------------------------------------------------

    def create_user(
        self,
        username: str,
        *,
        email: str | None = None,
        password: str | None = None,
        realm_roles: Iterable[str] = (),
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> str:
        """Add a user to the running realm and return its ``sub``.

        The password defaults to the username, as for the demo users ``alice`` and ``bob``.
        """
        user = User(
            id=str(uuid.uuid4()),
            username=username.lower(),
            email=email,
            email_verified=email is not None,
            first_name=first_name,
            last_name=last_name,
            password=password if password is not None else username,
            realm_roles=tuple(realm_roles),
            created_ms=int(time.time() * 1000),
        )
        self._state.service.add_user(user)
        return user.id

    def rotate_keys(self) -> str:
        """Sign with a new key from now on; the old keys stay published. Returns the new kid."""
        return self._state.service.keys.rotate()

    def remove_key(self, kid: str) -> None:
        """Stop publishing (and accepting) the key ``kid``."""
        self._state.service.keys.remove(kid)

    def sign_token(self, claims: dict[str, Any]) -> str:
        """Sign arbitrary claims with the realm's active key (for tests of token checks)."""
        return self._state.service.keys.sign(claims)

    @property
    def active_kid(self) -> str:
        return self._state.service.keys.active_kid

    @property
    def kids(self) -> list[str]:
        return self._state.service.keys.kids

    def user_id(self, username: str) -> str:
        user = self._state.service.realm.user_by_username(username)
        if user is None:
            raise KeyError(username)
        return user.id
