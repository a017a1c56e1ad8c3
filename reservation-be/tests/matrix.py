"""The authorisation matrix: every endpoint x every kind of caller -> the expected status.

Each domain lists its rows in ``tests/<domain>/matrix.py`` as ``CASES: list[Case]``;
``test_policy_matrix.py`` collects them all. The world every row runs in (:class:`World`):

* site ``A`` (private): ``alice`` site-admin, ``bob`` member, ``target`` member;
* site ``B`` (public): ``carol`` member (so she is "another site's member" for A);
* ``admin`` holds the realm role platform-admin; ``service`` is the client-credentials token of
  ``reservation-event-processor``.

Paths may use ``{site}``, ``{site_b}``, ``{bob}``, ``{target}``, ``{carol}`` and any key the
row's ``prepare`` hook returns (it receives the world and a session, and may create rows).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

ROLES = ("anonymous", "outsider", "member", "site_admin", "platform_admin", "service")
USERS = {
    "outsider": "carol",
    "member": "bob",
    "site_admin": "alice",
    "platform_admin": "admin",
}
SERVICE_CLIENT = "reservation-event-processor"


@dataclass
class World:
    site_a: Any
    site_b: Any
    ids: dict[str, str]

    def placeholders(self) -> dict[str, str]:
        return {
            "site": str(self.site_a.id),
            "site_b": str(self.site_b.id),
            **self.ids,
        }


Prepare = Callable[[World, AsyncSession], Awaitable[dict[str, str]]]


@dataclass
class Case:
    name: str
    method: str
    path: str
    expected: dict[str, int]
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    prepare: Prepare | None = None
    # Fields a successful answer must carry (e.g. the status a change leads to).
    returns: dict[str, Any] = field(default_factory=dict)


def expect(
    *,
    anonymous: int = 401,
    outsider: int,
    member: int,
    site_admin: int,
    platform_admin: int,
    service: int = 403,
) -> dict[str, int]:
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "site_admin": site_admin,
        "platform_admin": platform_admin,
        "service": service,
    }


def any_user(ok: int) -> dict[str, int]:
    return expect(outsider=ok, member=ok, site_admin=ok, platform_admin=ok)


def site_members(ok: int) -> dict[str, int]:
    """Members and admins of the (private) site; invisible (404) to others."""
    return expect(outsider=404, member=ok, site_admin=ok, platform_admin=ok)


def site_admins(ok: int) -> dict[str, int]:
    return expect(outsider=404, member=403, site_admin=ok, platform_admin=ok)


def platform_admins(ok: int, *, outsider: int = 403) -> dict[str, int]:
    return expect(outsider=outsider, member=403, site_admin=403, platform_admin=ok)
