"""ASGI middleware: request id, access log and metrics, request body size limit."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reservation_be.kit.errors import PROBLEM_JSON, TYPE_PREFIX, PayloadTooLarge
from reservation_be.kit.request_context import reset_request_id, set_request_id

log = logging.getLogger("reservation_be.access")

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests by route template, method and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency by route template and method",
            ["method", "route"],
            registry=registry,
        )
        self.provisioning_reports = Counter(
            "reservation_be_provisioning_reports_total",
            "Provisioning reports accepted from integrations, by reported state",
            ["state"],
            registry=registry,
        )


def _route_template(scope: Scope) -> str:
    # FastAPI keeps included routers nested; the effective context has the full template.
    fastapi_scope = scope.get("fastapi")
    effective = fastapi_scope.get("effective_route_context") if fastapi_scope else None
    route = scope.get("route")
    path = getattr(effective, "path_format", None) or getattr(route, "path_format", None)
    # Unmatched paths collapse into one label so random URLs cannot blow up cardinality.
    return str(path) if path else "<unmatched>"


class RequestContextMiddleware:
    """Assigns a request id (or keeps a sane incoming one), logs and measures each request."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = (
            dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"").decode("latin-1")
        )
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        token = set_request_id(request_id)
        status = 500
        response_started = False
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.encode(), request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # Answered here rather than by Starlette's outermost error middleware, so the log
            # line and the response still carry the request id.
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if response_started:
                raise
            await _send_internal_error(scope, send_wrapper, request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            log.info(
                "%s %s %s",
                method,
                scope["path"],
                status,
                extra={"status": status, "route": route, "duration_ms": round(elapsed * 1000, 2)},
            )
            reset_request_id(token)


async def _send_internal_error(scope: Scope, send: Send, request_id: str) -> None:
    body = json.dumps(
        {
            "type": TYPE_PREFIX + "internal-error",
            "title": "Internal server error",
            "status": 500,
            "detail": "An unexpected error occurred; quote the request id when reporting it.",
            "instance": scope["path"],
            "request_id": request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodySizeLimitMiddleware:
    """Refuses request bodies above ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, scope: Scope, send: Send) -> None:
        body = json.dumps(
            {
                "type": TYPE_PREFIX + PayloadTooLarge.slug,
                "title": PayloadTooLarge.title,
                "status": 413,
                "detail": f"The request body exceeds {self.max_bytes} bytes.",
                "instance": scope["path"],
                "request_id": scope.get("state", {}).get("request_id"),
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await self._reject(scope, send)
                return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised while the route reads the body: the problem handler renders it.
                    raise StarletteHTTPException(
                        413, detail=f"The request body exceeds {self.max_bytes} bytes."
                    )
            return message

        await self.app(scope, limited_receive, send)
