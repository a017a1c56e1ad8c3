"""Refuse webhook targets on private, loopback, link-local, multicast or reserved addresses.

Every address the host resolves to is checked, so a name with one public and one private address
is refused. The HTTP client never resolves a name itself: its connector (``PinnedConnector``)
resolves through the guard when it opens a connection, checks every answer and dials one of
exactly those addresses; the Host header and the TLS server name stay the original name. A name
that answers a public address to one lookup and 127.0.0.1 to the next (DNS rebinding) therefore
never gets a connection to 127.0.0.1, and the socket's peer is compared with the dialled
addresses before a byte is written (no peer address: refused). Operators allow specific hosts or
networks with ``RESERVATION_EP_SSRF_ALLOWLIST``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import aiohttp
import httpx
from aiohttp.abc import ResolveResult
from aiohttp.client_proto import ResponseHandler
from aiohttp.connector import AddrInfoType

from reservation_event_processor._transport import AiohttpTransport

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

__all__ = [
    "AddressNotAllowed",
    "PinnedConnector",
    "Resolver",
    "SsrfGuard",
    "TargetUnresolvable",
    "guarded_transport",
    "system_resolver",
]


class AddressNotAllowed(Exception):
    """The target is (or resolves to) an address webhooks may not reach."""


class TargetUnresolvable(Exception):
    """The target's host name did not resolve (may be temporary)."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def _is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _is_public(ip.ipv4_mapped)
    return ip.is_global and not ip.is_multicast


class SsrfGuard:
    def __init__(self, allowlist: Iterable[str] = (), *, resolver: Resolver = system_resolver):
        self._hosts: set[str] = set()
        self._networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allowlist:
            if "/" in entry:
                self._networks.append(ipaddress.ip_network(entry, strict=False))
            else:
                try:
                    self._networks.append(ipaddress.ip_network(entry))
                except ValueError:
                    self._hosts.add(entry.lower().rstrip("."))
        self._resolve = resolver

    def _allowed(self, ip: IPAddress) -> bool:
        return _is_public(ip) or any(ip in net for net in self._networks)

    async def check(self, url: str) -> None:
        """Return when ``url`` may be used; raise AddressNotAllowed or TargetUnresolvable."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise AddressNotAllowed(f"invalid URL: {exc}") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise AddressNotAllowed("only http and https URLs with a host are allowed")
        if parsed.host.lower().rstrip(".") in self._hosts:
            return  # resolved when the connection is opened
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        await self.vetted_addresses(parsed.host, port)

    async def vetted_addresses(self, host: str, port: int) -> list[IPAddress]:
        """Resolve ``host`` once and return its addresses if every one of them may be reached."""
        name = host.lower().rstrip(".")
        addresses = await self._addresses(name, port)
        if name in self._hosts:
            return addresses
        for ip in addresses:
            if not self._allowed(ip):
                raise AddressNotAllowed(
                    f"{name} resolves to {ip}, a non-public address that is not allow-listed"
                )
        return addresses

    async def _addresses(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host.strip("[]"))]
        except ValueError:
            pass
        try:
            resolved = await self._resolve(host, port)
        except OSError as exc:
            raise TargetUnresolvable(f"cannot resolve {host}: {exc}") from exc
        if not resolved:
            raise TargetUnresolvable(f"{host} has no address")
        return [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolved]


def _peer_ip(transport: asyncio.BaseTransport) -> IPAddress | None:
    peer = transport.get_extra_info("peername")
    if not peer:
        return None
    try:
        return ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
    except ValueError:
        return None


class PinnedConnector(aiohttp.TCPConnector):
    """Opens TCP connections only to addresses the guard vetted in the same call.

    Every host, a name or a literal address, is looked up through the guard (one lookup, every
    answer checked; aiohttp's own resolver and DNS cache are never used); the connection is
    dialled to one of exactly those addresses and kept only if its peer is one of them. TLS is
    started with the original name as server name, so certificates are still verified against
    the name. aiohttp is pinned in ``uv.lock``: ``_resolve_host`` and
    ``_wrap_create_connection`` are its own hooks, check them after upgrading it
    (``tests/test_ssrf.py`` fails if they are bypassed).
    """

    def __init__(self, guard: SsrfGuard, **options: Any) -> None:
        super().__init__(use_dns_cache=False, **options)
        self._guard = guard

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Any] | None = None
    ) -> list[ResolveResult]:
        return [
            {
                "hostname": host,
                "host": str(ip),
                "port": port,
                "family": socket.AF_INET6 if ip.version == 6 else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for ip in await self._guard.vetted_addresses(host, port)
        ]

    async def _wrap_create_connection(
        self, *args: Any, addr_infos: list[AddrInfoType], **kwargs: Any
    ) -> tuple[asyncio.Transport, ResponseHandler]:
        transport, protocol = await super()._wrap_create_connection(
            *args, addr_infos=addr_infos, **kwargs
        )
        dialled = {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in addr_infos}
        peer = _peer_ip(transport)
        if peer not in dialled:
            transport.abort()
            raise AddressNotAllowed(
                f"the connection did not report a vetted peer address "
                f"({', '.join(sorted(map(str, dialled)))})"
            )
        return transport, protocol


def guarded_transport(
    guard: SsrfGuard,
    *,
    limits: httpx.Limits,
    verify: ssl.SSLContext | bool = True,
) -> AiohttpTransport:
    """The webhook client's transport: every connection opened by ``PinnedConnector``, at most
    ``limits.max_connections`` at once, an idle one kept ``limits.keepalive_expiry`` seconds."""
    ssl_context = httpx.create_ssl_context(verify=verify, trust_env=False)
    max_connections = limits.max_connections or 100
    keepalive = limits.keepalive_expiry if limits.keepalive_expiry is not None else 5.0

    def connector() -> aiohttp.BaseConnector:
        return PinnedConnector(
            guard, limit=max_connections, keepalive_timeout=keepalive, ssl=ssl_context
        )

    return AiohttpTransport(connector=connector)
