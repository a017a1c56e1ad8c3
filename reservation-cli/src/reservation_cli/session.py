"""Who calls the API and how: the profile, its server, its tokens, and the HTTP client.

Credentials, first found wins: ``RSV_TOKEN`` (a bearer token used as it is), then
``RSV_CLIENT_ID`` + ``RSV_CLIENT_SECRET`` (client credentials of a confidential client, for CI),
then the profile's stored tokens (``rsv login``), refreshed when they are about to expire.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from reservation_cli import __name__ as _package
from reservation_cli.config import DEFAULT_PROFILE, Profile, load_profiles
from reservation_cli.errors import ApiError, CliError, ExitCode, NotLoggedInError
from reservation_cli.oidc import Oidc
from reservation_cli.tokens import TokenSet, TokenStore, default_store

API = "/api/v1"
USER_AGENT = f"rsv ({_package})"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def normalise_server(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CliError(f"The server must be an http(s) URL, not {url!r}.", ExitCode.USAGE)
    return url.removesuffix(API)


@dataclass
class Session:
    profile_name: str
    server_override: str | None = None
    debug: bool = False
    store: TokenStore = field(default_factory=default_store)
    _http: httpx.Client | None = None
    _profile: Profile | None = None
    _service_tokens: TokenSet | None = None

    # configuration -----------------------------------------------------------------------------

    @classmethod
    def from_env(cls, profile: str | None, server: str | None, debug: bool) -> Session:
        name = profile or os.environ.get("RSV_PROFILE") or DEFAULT_PROFILE
        return cls(
            profile_name=name,
            server_override=server or os.environ.get("RSV_SERVER") or None,
            debug=debug,
        )

    @property
    def http(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT})
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()

    def profile(self) -> Profile:
        if self._profile is None:
            stored = load_profiles().get(self.profile_name)
            if self.server_override is not None:
                server = normalise_server(self.server_override)
                if stored is None or stored.server != server:
                    stored = self.discover(server)
            if stored is None:
                raise NotLoggedInError(
                    f"No server for profile {self.profile_name!r}: "
                    "run `rsv login --server URL` (or set RSV_SERVER)."
                )
            self._profile = stored
        return self._profile

    def discover(self, server: str) -> Profile:
        """A profile for ``server`` from what its ``/api/v1/config`` says."""
        url = f"{server}{API}/config"
        try:
            response = self.http.get(url)
        except httpx.HTTPError as exc:
            raise CliError(f"Cannot reach {server}: {exc}") from exc
        if response.status_code != 200:
            raise CliError(
                f"{server} does not look like the reservation API ({url} answered "
                f"{response.status_code}).",
                detail=response.text,
            )
        oidc = response.json()["oidc"]
        return Profile(
            name=self.profile_name,
            server=server,
            issuer=str(oidc["issuer"]),
            client_id=str(oidc["cli_client_id"]),
        )

    def oidc(self) -> Oidc:
        profile = self.profile()
        return Oidc(self.http, profile.issuer, profile.client_id)

    # credentials -------------------------------------------------------------------------------

    def credential_source(self) -> str:
        if os.environ.get("RSV_TOKEN"):
            return "RSV_TOKEN"
        if os.environ.get("RSV_CLIENT_ID") and os.environ.get("RSV_CLIENT_SECRET"):
            return f"client credentials ({os.environ['RSV_CLIENT_ID']})"
        return f"profile {self.profile_name} ({self.store.kind})"

    def access_token(self, *, force_refresh: bool = False) -> str:
        env_token = os.environ.get("RSV_TOKEN")
        if env_token:
            return env_token
        client_id, secret = os.environ.get("RSV_CLIENT_ID"), os.environ.get("RSV_CLIENT_SECRET")
        if client_id and secret:
            cached = self._service_tokens
            if cached is None or force_refresh or not cached.access_is_fresh():
                cached = self.oidc().client_credentials(client_id, secret)
                self._service_tokens = cached
            return cached.access_token
        tokens = self.store.load(self.profile_name)
        if tokens is None:
            raise NotLoggedInError(f"Not logged in (profile {self.profile_name}): run `rsv login`.")
        if force_refresh or not tokens.access_is_fresh():
            if not tokens.can_refresh():
                raise NotLoggedInError("The session has ended: run `rsv login` again.")
            tokens = self.oidc().refresh(tokens)
            self.store.save(self.profile_name, tokens)
        return tokens.access_token

    # requests ----------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        content: Any = None,
    ) -> httpx.Response:
        """Send an API request; one retry with a refreshed token after a 401."""
        url = f"{self.profile().server}{API}{path}"
        response = self._send(method, url, params, json, headers, content, self.access_token())
        if response.status_code == 401 and not os.environ.get("RSV_TOKEN") and content is None:
            response = self._send(
                method, url, params, json, headers, content, self.access_token(force_refresh=True)
            )
        if response.status_code >= 400:
            raise ApiError(response.status_code, _body(response))
        return response

    def _send(
        self,
        method: str,
        url: str,
        params: Any,
        json: Any,
        headers: dict[str, str] | None,
        content: Any,
        token: str,
    ) -> httpx.Response:
        all_headers = {"Authorization": f"Bearer {token}"} | (headers or {})
        try:
            return self.http.request(
                method, url, params=params, json=json, headers=all_headers, content=content
            )
        except httpx.HTTPError as exc:
            raise CliError(f"Cannot reach {self.profile().server}: {exc}") from exc

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", path, params=clean).json()

    def get_all(self, path: str, *, limit: int | None = None, **params: Any) -> list[Any]:
        """Every item of a paged listing (``limit`` stops early)."""
        items: list[Any] = []
        page = 1
        while True:
            body = self.get(path, page=page, size=100, **params)
            items.extend(body["items"])
            if limit is not None and len(items) >= limit:
                return items[:limit]
            if page >= int(body["meta"]["pages"]):
                return items
            page += 1

    @contextmanager
    def stream(
        self, path: str, *, params: dict[str, Any] | None = None, last_event_id: str | None = None
    ) -> Iterator[httpx.Response]:
        url = f"{self.profile().server}{API}{path}"
        headers = {"Authorization": f"Bearer {self.access_token()}", "Accept": "text/event-stream"}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        try:
            with self.http.stream(
                "GET", url, params=params, headers=headers, timeout=httpx.Timeout(30.0, read=None)
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise ApiError(response.status_code, _body(response))
                yield response
        except httpx.HTTPError as exc:
            raise CliError(f"Cannot reach {self.profile().server}: {exc}") from exc


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text
