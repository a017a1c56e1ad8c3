"""The SSRF guard against real sockets: the address that is dialled is the address that was
checked, whatever the name answers the next time it is looked up."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from live import RawListener
from reservation_common.signing import generate_secret
from reservation_event_processor.delivery import Sender, TargetNotAllowed, create_http_client
from reservation_event_processor.settings import Settings
from reservation_event_processor.ssrf import AddressNotAllowed, SsrfGuard, guarded_transport

SECRET = generate_secret()


class RebindingResolver:
    """Answers a public address to the first lookup and loopback to every later one."""

    def __init__(self) -> None:
        self.lookups = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        return ["93.184.216.34"] if self.lookups == 1 else ["127.0.0.1"]


async def loopback(host: str, port: int) -> list[str]:
    return ["127.0.0.1"]


@pytest.fixture
async def listener() -> AsyncIterator[RawListener]:
    server = RawListener()
    await server.start()
    yield server
    await server.stop()


@contextlib.asynccontextmanager
async def sender_for(
    guard: SsrfGuard, *, verify: ssl.SSLContext | bool = True
) -> AsyncIterator[Sender]:
    async with create_http_client(Settings(), guard=guard, verify=verify) as client:
        yield Sender(
            client=client, guard=guard, timeout=dt.timedelta(seconds=5), transport_retries=0
        )


async def test_dns_rebinding_to_loopback_never_opens_a_connection(listener: RawListener) -> None:
    # "localhost" is what the system resolver would dial if the client looked the name up again.
    resolver = RebindingResolver()
    async with sender_for(SsrfGuard(resolver=resolver)) as sender:
        with pytest.raises(TargetNotAllowed, match=r"127\.0\.0\.1, a non-public address"):
            await sender.send(
                url=f"http://localhost:{listener.port}/hook",
                webhook_id="msg_rebind",
                body=b"{}",
                secrets=[SECRET],
            )
    assert (listener.connections, listener.bytes_received) == (0, 0)
    assert resolver.lookups == 2  # the early check, then the one the connection used


async def test_the_vetted_address_is_dialled_with_the_original_host_header(
    listener: RawListener,
) -> None:
    # hook.example exists in no DNS: only the guard's own lookup can route it to the listener.
    async with sender_for(SsrfGuard(["127.0.0.0/8"], resolver=loopback)) as sender:
        summary = await sender.send(
            url=f"http://hook.example:{listener.port}/hook",
            webhook_id="msg_pinned",
            body=b"{}",
            secrets=[SECRET],
        )
    assert summary.status_code == 204
    [head] = listener.heads
    assert head.startswith(b"POST /hook HTTP/1.1\r\n")
    assert f"\r\nhost: hook.example:{listener.port}\r\n".encode() in head.lower()


def certificate_for(name: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


async def test_tls_keeps_the_name_for_sni_and_certificate_checks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    cert_pem, key_pem = certificate_for("hook.example")
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    client_ctx = ssl.create_default_context(cadata=cert_pem.decode())
    listener = RawListener(ssl_context=server_ctx)
    await listener.start()
    try:
        guard = SsrfGuard(["127.0.0.0/8"], resolver=loopback)
        async with sender_for(guard, verify=client_ctx) as sender:
            summary = await sender.send(
                url=f"https://hook.example:{listener.port}/hook",
                webhook_id="msg_tls",
                body=b"{}",
                secrets=[SECRET],
            )
    finally:
        await listener.stop()
    assert summary.status_code == 204
    assert listener.server_names == ["hook.example"]
    assert f"\r\nhost: hook.example:{listener.port}\r\n".encode() in listener.heads[0].lower()


class Dials:
    """Stands in for aiohttp's dialling (``TCPConnector._wrap_create_connection``): records the
    addresses it was asked to dial and returns a connection whose peer is ``peer``."""

    def __init__(self, peer: tuple[str, int] | None) -> None:
        self.peer = peer
        self.dialled: list[list[str]] = []
        self.aborted = 0

    async def __call__(
        self, connector: aiohttp.TCPConnector, *args: object, addr_infos: list, **kwargs: object
    ) -> tuple[asyncio.Transport, object]:
        self.dialled.append([str(info[4][0]) for info in addr_infos])
        dials = self

        class Transport(asyncio.Transport):
            def get_extra_info(self, name: str, default: object = None) -> object:
                return dials.peer if name == "peername" else default

            def abort(self) -> None:
                dials.aborted += 1

        return Transport(), object()


async def post_through_the_transport(guard: SsrfGuard, url: str) -> httpx.Response:
    """Straight to the transport: the sender's early check is not what is tested here."""
    transport = guarded_transport(guard, limits=httpx.Limits(max_connections=4))
    try:
        return await transport.handle_async_request(httpx.Request("POST", url, content=b"{}"))
    finally:
        await transport.aclose()


@pytest.mark.parametrize("peer", [None, ("10.0.0.7", 80)], ids=["missing", "elsewhere"])
async def test_a_connection_without_the_vetted_peer_address_is_refused(
    peer: tuple[str, int] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    dials = Dials(peer)
    monkeypatch.setattr(aiohttp.TCPConnector, "_wrap_create_connection", dials)
    with pytest.raises(AddressNotAllowed, match=r"vetted peer address \(93\.184\.216\.34\)"):
        await post_through_the_transport(
            SsrfGuard(resolver=RebindingResolver()), "http://hook.example/hook"
        )
    assert dials.dialled == [["93.184.216.34"]]
    assert dials.aborted == 1


@pytest.mark.parametrize("address", ["10.0.0.7", "169.254.169.254", "[::1]"])
async def test_a_literal_non_public_address_is_refused_at_connect(
    address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dials = Dials(None)
    monkeypatch.setattr(aiohttp.TCPConnector, "_wrap_create_connection", dials)
    with pytest.raises(AddressNotAllowed, match="non-public"):
        await post_through_the_transport(SsrfGuard(resolver=loopback), f"http://{address}/hook")
    assert dials.dialled == []


class MovingResolver:
    """Answers 127.0.0.2 (where nothing listens) to the first lookup, 127.0.0.1 to the others."""

    def __init__(self) -> None:
        self.lookups = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.lookups += 1
        return ["127.0.0.2"] if self.lookups == 1 else ["127.0.0.1"]


async def test_every_new_connection_is_resolved_through_the_guard_again(
    listener: RawListener,
) -> None:
    # No lookup is cached: the address a connection is dialled to is the one the guard vetted
    # for that very connection.
    resolver = MovingResolver()
    transport = guarded_transport(
        SsrfGuard(["127.0.0.0/8"], resolver=resolver), limits=httpx.Limits(max_connections=1)
    )
    url = f"http://hook.example:{listener.port}/hook"
    try:
        with pytest.raises(httpx.ConnectError):
            await transport.handle_async_request(httpx.Request("POST", url, content=b"{}"))
        response = await transport.handle_async_request(httpx.Request("POST", url, content=b"{}"))
        await response.aread()
        await response.aclose()
    finally:
        await transport.aclose()
    assert response.status_code == 204
    assert resolver.lookups == 2
    assert listener.connections == 1
