"""The SSRF guard against real sockets: the address that is dialled is the address that was
checked, whatever the name answers the next time it is looked up."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator

import httpcore
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from live import RawListener
from reservation_common.signing import generate_secret
from reservation_event_processor.delivery import Sender, TargetNotAllowed, create_http_client
from reservation_event_processor.settings import Settings
from reservation_event_processor.ssrf import AddressNotAllowed, PinnedNetworkBackend, SsrfGuard

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


class PeerReporting(httpcore.AsyncNetworkBackend):
    """A backend whose connections report ``peer`` as their remote address."""

    def __init__(self, peer: tuple[str, int] | None) -> None:
        self.peer = peer
        self.closed = 0

    async def connect_tcp(
        self, host: str, port: int, **options: object
    ) -> httpcore.AsyncNetworkStream:
        backend = self

        class Stream(httpcore.AsyncMockStream):
            def get_extra_info(self, info: str) -> object:
                return backend.peer if info == "server_addr" else None

            async def aclose(self) -> None:
                backend.closed += 1

        return Stream([])


@pytest.mark.parametrize("peer", [None, ("10.0.0.7", 80)], ids=["missing", "elsewhere"])
async def test_a_connection_without_the_vetted_peer_address_is_refused(
    peer: tuple[str, int] | None,
) -> None:
    inner = PeerReporting(peer)
    backend = PinnedNetworkBackend(SsrfGuard(resolver=RebindingResolver()), inner=inner)
    with pytest.raises(AddressNotAllowed, match=r"vetted peer address 93\.184\.216\.34"):
        await backend.connect_tcp("hook.example", 80)
    assert inner.closed == 1
    inner.peer = ("93.184.216.34", 80)
    backend = PinnedNetworkBackend(SsrfGuard(resolver=RebindingResolver()), inner=inner)
    await backend.connect_tcp("hook.example", 80)


@pytest.mark.parametrize("address", ["10.0.0.7", "169.254.169.254", "::1"])
async def test_a_literal_non_public_address_is_refused_at_connect(address: str) -> None:
    backend = PinnedNetworkBackend(SsrfGuard(resolver=loopback), inner=PeerReporting(None))
    with pytest.raises(AddressNotAllowed, match="non-public"):
        await backend.connect_tcp(address, 80)
    assert ipaddress.ip_address(address)
