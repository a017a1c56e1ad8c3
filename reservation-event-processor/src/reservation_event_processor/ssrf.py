"""Refuse webhook targets on private, loopback, link-local, multicast or reserved addresses.

Every address the host resolves to is checked before the request, so a name with one public and
one private address is refused; the address the connection reached is checked again before the
response is read. Operators allow specific hosts or networks with
``RESERVATION_EP_SSRF_ALLOWLIST``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

__all__ = ["AddressNotAllowed", "Resolver", "SsrfGuard", "TargetUnresolvable", "system_resolver"]


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

    def peer_allowed(self, host: str, address: str) -> bool:
        """Whether the address a connection actually reached is acceptable for ``host``.

        Checked again after connecting, because the HTTP client resolves the name itself: a
        DNS answer that changed since ``check()`` (rebinding) is caught before the response
        is read.
        """
        if host.lower().rstrip(".") in self._hosts:
            return True
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        return self._allowed(ip)

    async def check(self, url: str) -> None:
        """Return when ``url`` may be used; raise AddressNotAllowed or TargetUnresolvable."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise AddressNotAllowed(f"invalid URL: {exc}") from exc
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise AddressNotAllowed("only http and https URLs with a host are allowed")
        host = parsed.host.lower().rstrip(".")
        if host in self._hosts:
            return
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        addresses = await self._addresses(host, port)
        for ip in addresses:
            if not self._allowed(ip):
                raise AddressNotAllowed(
                    f"{host} resolves to {ip}, a non-public address that is not allow-listed"
                )

    async def _addresses(self, host: str, port: int) -> list[IPAddress]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        try:
            resolved = await self._resolve(host, port)
        except OSError as exc:
            raise TargetUnresolvable(f"cannot resolve {host}: {exc}") from exc
        if not resolved:
            raise TargetUnresolvable(f"{host} has no address")
        return [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolved]
