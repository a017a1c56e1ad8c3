"""The platform's public API as the suite uses it: real tokens from the test realm, JSON in and
out, and a clear failure (with the problem body) when an answer is not the expected one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
from reservation_testrealm import TestRealm

JSON = dict[str, Any]

VLAN_SCHEMA: JSON = {
    "type": "object",
    "properties": {"vlan_id": {"type": "integer", "minimum": 2, "maximum": 4094}},
    "required": ["vlan_id"],
    "additionalProperties": False,
}


class ApiError(AssertionError):
    def __init__(self, response: httpx.Response, expected: int) -> None:
        self.response = response
        super().__init__(
            f"{response.request.method} {response.request.url.path}: expected {expected}, "
            f"got {response.status_code} {response.text[:1000]}"
        )


class Api:
    """``await api.call("alice", "POST", "/sites", json=...)`` with alice's access token."""

    def __init__(self, base_url: str, realm: TestRealm) -> None:
        self.base_url = base_url
        self._realm = realm
        self._client = httpx.AsyncClient(base_url=f"{base_url}/api/v1", timeout=20.0)

    async def aclose(self) -> None:
        await self._client.aclose()

    def _headers(self, user: str | None) -> dict[str, str]:
        if user is None:
            return {}
        # A fresh token per call: tokens are short-lived and the realm answers in microseconds.
        return {"Authorization": f"Bearer {self._realm.token(user)}"}

    async def call(self, user: str | None, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {**self._headers(user), **kwargs.pop("headers", {})}
        return await self._client.request(method, path, headers=headers, **kwargs)

    async def expect(
        self, status: int, user: str | None, method: str, path: str, **kwargs: Any
    ) -> Any:
        response = await self.call(user, method, path, **kwargs)
        if response.status_code != status:
            raise ApiError(response, status)
        return response.json() if response.content else None

    # The steps a site admin takes, in the order they take them. ---------------------------

    async def create_site(
        self, *, admin: str = "alice", members: dict[str, str] | None = None
    ) -> JSON:
        slug = f"e2e-{uuid.uuid4().hex[:10]}"
        site: JSON = await self.expect(
            201, "admin", "POST", "/sites", json={"slug": slug, "name": f"E2E {slug}"}
        )
        for username, role in {admin: "site-admin", **(members or {})}.items():
            await self.expect(
                201,
                "admin",
                "POST",
                f"/sites/{site['id']}/members",
                json={"identifier": username, "role": role},
            )
        return site

    async def create_resource_type(self, user: str, site_id: str, **body: Any) -> JSON:
        result: JSON = await self.expect(
            201, user, "POST", f"/sites/{site_id}/resource-types", json=body
        )
        return result

    async def create_resource(self, user: str, site_id: str, **body: Any) -> JSON:
        result: JSON = await self.expect(
            201, user, "POST", f"/sites/{site_id}/resources", json=body
        )
        return result

    async def create_subscription(self, user: str, site_id: str, **body: Any) -> JSON:
        """Returns the subscription with its signing secret, shown this once."""
        result: JSON = await self.expect(201, user, "POST", f"/sites/{site_id}/webhooks", json=body)
        return result

    async def book(
        self,
        user: str,
        resource_id: str,
        start: datetime,
        end: datetime,
        *,
        parameters: JSON | None = None,
        title: str = "e2e booking",
    ) -> httpx.Response:
        return await self.call(
            user,
            "POST",
            "/reservations",
            json={
                "resource_id": resource_id,
                "title": title,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "parameters": parameters or {},
            },
        )

    async def reservation(self, user: str, reservation_id: str) -> JSON:
        result: JSON = await self.expect(200, user, "GET", f"/reservations/{reservation_id}")
        return result

    async def notifications(self, user: str) -> list[JSON]:
        page: JSON = await self.expect(200, user, "GET", "/notifications", params={"size": 100})
        items: list[JSON] = page["items"]
        return items
