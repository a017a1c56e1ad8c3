"""Problem details (RFC 9457) for every error the API returns.

Services raise a subclass of :class:`ReservationError`; one handler renders it as
``application/problem+json``. Validation, routing (404/405), oversized bodies and unexpected
exceptions are rendered the same way, and an unexpected exception never leaks its message.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from reservation_be.kit.types import NO_NUL_PATTERN

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
TYPE_PREFIX = "urn:reservation:problem:"


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """The body of every error response."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None
    request_id: str | None = None


class ReservationError(Exception):
    status: ClassVar[int] = 500
    slug: ClassVar[str] = "internal-error"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = list(errors) if errors else None
        self.headers = headers or {}
        self.extra = extra or {}

    @classmethod
    def problem_type(cls) -> str:
        return TYPE_PREFIX + cls.slug


class BadRequest(ReservationError):
    status, slug, title = 400, "bad-request", "Bad request"


class MalformedJson(BadRequest):
    slug, title = "malformed-json", "The body is not valid JSON"


class Unauthorized(ReservationError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class Forbidden(ReservationError):
    status, slug, title = 403, "forbidden", "Not allowed"


class NotFound(ReservationError):
    status, slug, title = 404, "not-found", "Not found"


class MethodNotAllowed(ReservationError):
    status, slug, title = 405, "method-not-allowed", "Method not allowed"


class Conflict(ReservationError):
    status, slug, title = 409, "conflict", "Conflict"


class PayloadTooLarge(ReservationError):
    status, slug, title = 413, "payload-too-large", "Request body too large"


class UnsupportedMediaType(ReservationError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class PreconditionFailed(ReservationError):
    status, slug, title = 412, "precondition-failed", "The resource has changed"


class UnprocessableEntity(ReservationError):
    status, slug, title = 422, "validation-error", "Invalid request"


class PreconditionRequired(ReservationError):
    status, slug, title = 428, "precondition-required", "If-Match header required"


class TooManyRequests(ReservationError):
    status, slug, title = 429, "rate-limited", "Too many requests"


class ServiceUnavailable(ReservationError):
    status, slug, title = 503, "unavailable", "Service unavailable"


_HTTP_STATUS_ERRORS: dict[int, type[ReservationError]] = {
    cls.status: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
        PreconditionFailed,
        UnprocessableEntity,
        PreconditionRequired,
        TooManyRequests,
        ServiceUnavailable,
    )
}


def problem_response(
    request: Request,
    *,
    status: int,
    type_: str,
    title: str,
    detail: str | None = None,
    errors: Sequence[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    body = Problem(
        type=type_,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=list(errors) if errors else None,
        request_id=getattr(request.state, "request_id", None),
    ).model_dump(mode="json", exclude_none=True)
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def _message(err: dict[str, Any]) -> str:
    ctx = err.get("ctx") or {}
    if err.get("type") == "string_pattern_mismatch" and ctx.get("pattern") == NO_NUL_PATTERN:
        return "must not contain NUL (\\u0000) characters"
    return str(err.get("msg", ""))


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    out = []
    for err in exc.errors():
        # Keys of a JSON object can land in the location; escape what PostgreSQL or a log
        # line could choke on.
        loc = [p if isinstance(p, int) else _printable(str(p)) for p in err.get("loc", ())]
        out.append(FieldError(loc=loc, msg=_message(err), type=str(err.get("type", ""))))
    return out


def _printable(value: str) -> str:
    return value if value.isprintable() else value.encode("unicode_escape").decode("ascii")


async def _handle_reservation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ReservationError)
    return problem_response(
        request,
        status=exc.status,
        type_=exc.problem_type(),
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=exc.headers,
        extra=exc.extra,
    )


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


async def _handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    content_type = request.headers.get("content-type")
    if content_type and not _is_json(content_type) and _body_errors(exc):
        # FastAPI read the body as bytes and the model refused them: the media type is wrong.
        return problem_response(
            request,
            status=415,
            type_=UnsupportedMediaType.problem_type(),
            title=UnsupportedMediaType.title,
            detail=f"Send the body as application/json, not {content_type.split(';')[0]!r}.",
            headers={"Accept-Post": "application/json", "Accept-Patch": "application/json"},
        )
    unparseable = _json_syntax_error(exc)
    if unparseable is not None:
        # Nothing to validate: the body is not a JSON document at all (RFC 9110: 400).
        return problem_response(
            request,
            status=400,
            type_=MalformedJson.problem_type(),
            title=MalformedJson.title,
            detail=unparseable,
            errors=[FieldError(loc=["body"], msg=unparseable, type="json_invalid")],
        )
    errors = _field_errors(exc)
    detail = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors[:5])
    return problem_response(
        request,
        status=422,
        type_=UnprocessableEntity.problem_type(),
        title=UnprocessableEntity.title,
        detail=detail or None,
        errors=errors,
    )


def _json_syntax_error(exc: RequestValidationError) -> str | None:
    """What is wrong with a body FastAPI could not decode as JSON, or None when it could."""
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            loc = tuple(err.get("loc", ()))
            where = f" at character {loc[1]}" if len(loc) > 1 and isinstance(loc[1], int) else ""
            reason = (err.get("ctx") or {}).get("error") or "JSON decode error"
            return f"The body is not valid JSON: {reason}{where}."
    return None


def _body_errors(exc: RequestValidationError) -> bool:
    return any(tuple(err.get("loc", ()))[:1] == ("body",) for err in exc.errors())


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """The methods the OpenAPI document gives for this URL (Starlette names only one route's).

    A literal segment wins over a path parameter, as in the document: at
    ``/reservations/find`` the methods are those of that path, not those of
    ``/reservations/{reservation_id}``, whose pattern the same URL also fits. A path the
    document leaves out falls back to the routes that match it.
    """
    path = request.url.path
    best: tuple[int, list[str]] | None = None
    for template, pattern, methods in _documented_paths(request.app):
        if pattern.fullmatch(path):
            params = template.count("{")
            if best is None or params < best[0]:
                best = (params, methods)
    if best is not None:
        return best[1]
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]


def _documented_paths(app: FastAPI) -> list[tuple[str, re.Pattern[str], list[str]]]:
    cached: list[tuple[str, re.Pattern[str], list[str]]] | None = getattr(
        app.state, "documented_paths", None
    )
    if cached is None:
        cached = []
        for template, item in app.openapi().get("paths", {}).items():
            parts = re.split(r"(\{[^}]+\})", template)
            regex = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
            methods = [m for m in _METHODS if m.lower() in item]
            cached.append((template, re.compile(regex), methods))
        app.state.documented_paths = cached
    return cached


async def _handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    cls = _HTTP_STATUS_ERRORS.get(exc.status_code)
    slug = cls.slug if cls else f"http-{exc.status_code}"
    title = cls.title if cls else "HTTP error"
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route matches {request.url.path}"
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
        detail = f"{request.method} is not one of {headers['Allow']} at {request.url.path}."
    return problem_response(
        request,
        status=exc.status_code,
        type_=TYPE_PREFIX + slug,
        title=title,
        detail=detail,
        headers=headers,
    )


async def _handle_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        request,
        status=500,
        type_=ReservationError.problem_type(),
        title=ReservationError.title,
        detail="An unexpected error occurred; quote the request id when reporting it.",
    )


async def render_problem(
    request: Request, exc: ReservationError | StarletteHTTPException
) -> JSONResponse:
    """The answer the app's handlers give ``exc`` (for code that runs outside the router)."""
    if isinstance(exc, ReservationError):
        return await _handle_reservation_error(request, exc)
    return await _handle_http_exception(request, exc)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ReservationError, _handle_reservation_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(Exception, _handle_unexpected)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries so the OpenAPI documents the problem bodies an endpoint returns."""
    return {
        status: {
            # Only the media type really sent: no application/json twin of the problem.
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
            "description": _HTTP_STATUS_ERRORS[status].title
            if status in _HTTP_STATUS_ERRORS
            else "Error",
        }
        for status in statuses
    }
