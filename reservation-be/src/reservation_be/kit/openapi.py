"""What every operation can answer besides its own responses, added to the OpenAPI document, and
its parameters described as strictly as they are read.

Transport-level answers come from the server, the framework and the middleware, not from the
routes, so they are documented here once:

* 400 for a request that cannot be read: a malformed request line, header or body framing (the
  problem document of ``kit/http_protocol.py``), and for an operation with a body, a body that is
  not valid JSON or not UTF-8;
* 405 with ``Allow`` for a method the path does not serve;
* 413 for a body over ``MAX_BODY_BYTES`` (any request may carry one);
* 415 for a body of another media type than the operation reads;
* 422 for parameters or a body that fail validation, as the problem document it really is;
* 429 with ``Retry-After`` for an authenticated caller over the rate limit.

Parameters other than the body are never ``null`` (absent is how a client leaves one out), and an
operation that answers 428 without ``If-Match`` declares that header required.
"""

from __future__ import annotations

import copy
from typing import Any

from reservation_be.kit.errors import PROBLEM_JSON

__all__ = ["complete_openapi"]

_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}

_EVERY_OPERATION: dict[str, dict[str, Any]] = {
    "400": {
        "description": "The request could not be read: a malformed request line, header or "
        "body framing",
        "content": _PROBLEM,
    },
    "405": {
        "description": "The path does not serve this method; Allow lists the methods it serves",
        "headers": {
            "Allow": {
                "description": "The methods this path serves (GET, PATCH, ...)",
                "schema": {"type": "string"},
            }
        },
        "content": _PROBLEM,
    },
    "413": {
        "description": "The request body is larger than the server accepts (MAX_BODY_BYTES)",
        "content": _PROBLEM,
    },
}
_WITH_A_BODY: dict[str, dict[str, Any]] = {
    "400": {
        "description": "The request could not be read: a malformed request line, header or "
        "body framing, or a body that is not valid JSON (type malformed-json) or not UTF-8",
        "content": _PROBLEM,
    },
    "415": {
        "description": "The body is not of a media type this operation reads",
        "content": _PROBLEM,
    },
}
# The header of an answer that says when to try again (429 here, a booking's 503).
RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {
        "description": "Seconds to wait before the next request",
        "schema": {"type": "integer"},
    }
}
_RATE_LIMITED: dict[str, Any] = {
    "description": "Too many requests (see the Retry-After header)",
    "headers": RETRY_AFTER,
    "content": _PROBLEM,
}
_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = schema.get("anyOf")
    if not options:
        return schema
    kept = [option for option in options if option.get("type") != "null"]
    if len(kept) == len(options):
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}


def _strict_parameters(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        if "schema" in parameter:
            parameter["schema"] = _without_null(parameter["schema"])
        if_match = parameter["in"] == "header" and parameter["name"].lower() == "if-match"
        if if_match and "428" in operation.get("responses", {}):
            # The route answers 428 without it: the header is required, checked by the route
            # (so the answer is the 428 that says which ETag to send, not a 422).
            parameter["required"] = True


def complete_openapi(schema: dict[str, Any]) -> None:
    """Add the answers every operation can give and tighten its parameters, in place."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            unprocessable = responses.get("422")
            if unprocessable is not None:
                unprocessable["content"] = _PROBLEM
                unprocessable["description"] = "Invalid request"
            if "401" in responses:
                # Every authenticated call counts against the caller's rate limit.
                responses.setdefault("429", copy.deepcopy(_RATE_LIMITED))
            answers = dict(_EVERY_OPERATION)
            if "requestBody" in operation:
                answers.update(_WITH_A_BODY)
            for status, answer in answers.items():
                responses.setdefault(status, copy.deepcopy(answer))
            _strict_parameters(operation)
