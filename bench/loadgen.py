"""The benchmarks' HTTP client: HTTP/1.1 keep-alive over asyncio streams, nothing else.

The booking benchmarks run their clients on the same two cores as the API and PostgreSQL, so
what the load generator spends per request is taken from the server it measures. httpx spends
about 1.5 ms of CPU per request here (``bench/run.py`` prints the client's share), as much as
the API itself; this client writes the request in one ``write`` and reads the answer by its
``Content-Length``: what wrk or oha do, in the bench's own event loop so each request's latency
and answer stay in Python. It speaks just what the API answers with (no chunked bodies, no
redirects, no TLS) and refuses anything else loudly.

    async with Client("http://127.0.0.1:8000") as http:
        response = await http.post("/api/v1/reservations", json=body, headers=headers)
"""

from __future__ import annotations

import asyncio
import json as jsonlib
from types import TracebackType
from typing import Any
from urllib.parse import urlencode, urlsplit


class HTTPError(Exception):
    """A connection failed or the server sent something this client does not speak."""


class Response:
    __slots__ = ("content", "headers", "status_code")

    def __init__(self, status_code: int, headers: dict[str, str], content: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return jsonlib.loads(self.content)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HTTPError(f"{self.status_code}: {self.text[:500]}")


_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


class Client:
    """A pool of keep-alive connections to one ``http://host:port``; a request takes an idle
    connection or opens one, and puts it back when the answer is read."""

    def __init__(self, base_url: str, timeout: float = 120) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname or not parts.port:
            raise ValueError(f"needs http://host:port, got {base_url!r}")
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self._host_header = f"Host: {parts.hostname}:{parts.port}\r\n".encode()
        self._idle: list[_Connection] = []
        self._open: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        for writer in list(self._open):
            writer.close()
        self._open.clear()
        self._idle.clear()

    async def get(
        self, path: str, *, params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:  # fmt: skip
        if params:
            path = f"{path}?{urlencode(params)}"
        return await self.request("GET", path, headers=headers)

    async def post(
        self, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        return await self.request("POST", path, json=json, headers=headers)

    async def request(
        self, method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> Response:
        head = [f"{method} {path} HTTP/1.1\r\n".encode(), self._host_header]
        for name, value in (headers or {}).items():
            head.append(f"{name}: {value}\r\n".encode())
        body = b""
        if json is not None:
            body = jsonlib.dumps(json, separators=(",", ":")).encode()
            head.append(b"Content-Type: application/json\r\n")
        if body or method == "POST":
            head.append(b"Content-Length: %d\r\n" % len(body))
        head.append(b"\r\n")
        return await asyncio.wait_for(self._exchange(b"".join(head) + body), self.timeout)

    async def _exchange(self, data: bytes) -> Response:
        reused = bool(self._idle)
        reader, writer = self._idle.pop() if reused else await self._connect()
        try:
            writer.write(data)
            try:
                status, headers, content = await _read_response(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                if not reused:
                    raise
                # The server closed a keep-alive connection it had left idle: once more on a
                # new one, as any client does (the request never reached the app).
                self._forget(writer)
                reader, writer = await self._connect()
                writer.write(data)
                status, headers, content = await _read_response(reader)
        except BaseException:
            self._forget(writer)
            raise
        if headers.get("connection", "").lower() == "close":
            self._forget(writer)
        else:
            self._idle.append((reader, writer))
        return Response(status, headers, content)

    async def _connect(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise HTTPError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        self._open.add(writer)
        return reader, writer

    def _forget(self, writer: asyncio.StreamWriter) -> None:
        self._open.discard(writer)
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    version, _, rest = lines[0].partition(" ")
    if not version.startswith("HTTP/1."):
        raise HTTPError(f"not an HTTP/1.x answer: {lines[0]!r}")
    status = int(rest[:3])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        raise HTTPError("chunked answers are not spoken here")
    length = int(headers.get("content-length", "0"))
    content = await reader.readexactly(length) if length else b""
    return status, headers, content
