"""What one running test realm holds, shared by its endpoints."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from reservation_testrealm.tokens import TokenService

SESSION_COOKIE = "KEYCLOAK_SESSION"


@dataclass(slots=True)
class LoginRequest:
    """A browser authorization request waiting for the login form."""

    params: dict[str, str]
    expires: float


@dataclass(slots=True)
class RealmState:
    service: TokenService
    public_url: str | None
    login_requests: dict[str, LoginRequest] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return self.service.realm.name

    def base_url(self, request: Request) -> str:
        return (self.public_url or str(request.base_url)).rstrip("/")

    def issuer(self, request: Request) -> str:
        return f"{self.base_url(request)}/realms/{self.name}"

    def remember_login(self, params: dict[str, str]) -> str:
        request_id = secrets.token_urlsafe(24)
        lifespan = self.service.realm.access_code_lifespan_user_action * 6
        with self.lock:
            now = self.service.clock()
            for key in [k for k, v in self.login_requests.items() if v.expires <= now]:
                del self.login_requests[key]
            self.login_requests[request_id] = LoginRequest(params, now + lifespan)
        return request_id

    def login_request(self, request_id: str) -> LoginRequest | None:
        with self.lock:
            found = self.login_requests.get(request_id)
        if found is None or found.expires <= self.service.clock():
            return None
        return found

    def forget_login(self, request_id: str) -> None:
        with self.lock:
            self.login_requests.pop(request_id, None)


def get_state(request: Request) -> RealmState:
    state: Any = request.app.state.realm
    assert isinstance(state, RealmState)
    return state
