"""Refuse webhook targets on private, loopback, link-local, multicast or reserved addresses.

Every address the host resolves to is checked, so a name with one public and one private address
is refused. The HTTP client never resolves a name itself: its network backend
(``PinnedNetworkBackend``) resolves through the guard when it opens a connection, checks every
answer and dials one of exactly those addresses; the Host header and the TLS server name stay the
original name. A name that answers a public address to one lookup and 127.0.0.1 to the next (DNS
rebinding) therefore never gets a connection to 127.0.0.1, and the socket's peer is compared with
the dialled address before a byte is written (no peer address: refused). The connection's
stream sends a request's head and body in one write (``_stream``). Operators allow specific
hosts or networks with ``RESERVATION_EP_SSRF_ALLOWLIST``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable

import httpcore
import httpx

from reservation_event_processor._pool import WebhookConnectionPool
from reservation_event_processor._stream import OneWriteStream

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

__all__ = [
    "AddressNotAllowed",
    "PinnedNetworkBackend",
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


def _peer_ip(stream: httpcore.AsyncNetworkStream) -> IPAddress | None:
    peer = stream.get_extra_info("server_addr")
    if not peer:
        return None
    try:
        return ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
    except ValueError:
        return None


class PinnedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens TCP connections only to addresses the guard vetted in the same call.

    httpcore hands over the URL's host name; the backend resolves it through the guard (one
    lookup, every answer checked), dials those addresses in order and returns the first
    connection whose peer is the dialled address. TLS is started afterwards by httpcore with the
    original name as server name, so certificates are still verified against the name.
    """

    def __init__(
        self, guard: SsrfGuard, *, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._guard = guard
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await self._guard.vetted_addresses(host, port)
        last_error: Exception | None = None
        for ip in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    str(ip),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
                continue
            if _peer_ip(stream) != ip:
                await stream.aclose()
                raise AddressNotAllowed(
                    f"the connection to {host} did not report the vetted peer address {ip}"
                )
            return OneWriteStream(stream)
        assert last_error is not None  # vetted_addresses never returns an empty list
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressNotAllowed("webhooks are never sent over a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(
    guard: SsrfGuard,
    *,
    limits: httpx.Limits,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncHTTPTransport:
    """httpx's transport with every connection opened by ``PinnedNetworkBackend``, pooled by
    ``WebhookConnectionPool``."""
    transport = httpx.AsyncHTTPTransport(verify=verify, limits=limits, trust_env=False)
    # httpx takes no network backend of its own; its pool is rebuilt with the same options.
    transport._pool = WebhookConnectionPool(
        ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=PinnedNetworkBackend(guard),
    )
    return transport
