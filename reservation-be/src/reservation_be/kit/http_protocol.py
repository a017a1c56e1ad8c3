"""uvicorn's HTTP protocol with its one answer of its own, the 400 for a request it cannot parse
(a malformed header line, Content-Length or chunk), sent as a problem document like every other
error instead of plain text."""

from __future__ import annotations

import json

from uvicorn.protocols.http.h11_impl import H11Protocol

from reservation_be.kit.errors import PROBLEM_JSON, TYPE_PREFIX, BadRequest

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools is optional in uvicorn; h11 is always there
    HttpToolsProtocol = None  # type: ignore[assignment,misc]

__all__ = ["ProblemH11Protocol", "http_protocol"]


def _problem(msg: str) -> bytes:
    return json.dumps(
        {
            "type": TYPE_PREFIX + BadRequest.slug,
            "title": "Malformed HTTP request",
            "status": 400,
            "detail": f"{msg} Check the request line, the header lines and the body framing.",
        }
    ).encode()


def _response(msg: str) -> bytes:
    body = _problem(msg)
    head = (
        b"HTTP/1.1 400 Bad Request\r\n"
        b"content-type: " + PROBLEM_JSON.encode() + b"\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n"
    )
    return head + body


class ProblemH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        self.transport.write(_response(msg))
        self.transport.close()


if HttpToolsProtocol is not None:

    class ProblemHttpToolsProtocol(HttpToolsProtocol):
        def send_400_response(self, msg: str) -> None:
            self.transport.write(_response(msg))
            self.transport.close()


def http_protocol() -> type[H11Protocol] | type[object]:
    """The protocol class for ``uvicorn.run(http=...)``: httptools when installed, as uvicorn
    itself prefers."""
    if HttpToolsProtocol is not None:
        return ProblemHttpToolsProtocol
    return ProblemH11Protocol
