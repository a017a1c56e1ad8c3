"""What every operation can answer besides its own responses, added to the OpenAPI document.

Transport-level answers come from the framework and the middleware, not from the routes, so they
are documented here once: a body that is not JSON or not UTF-8 (400), too large (413) or of
another media type (415).
"""

from __future__ import annotations

from typing import Any

from reservation_be.kit.errors import PROBLEM_JSON

_PROBLEM = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}

_BODY_ANSWERS: dict[str, str] = {
    "400": "The body could not be read (not UTF-8 or not a document of its media type)",
    "413": "The body is larger than the server accepts (MAX_BODY_BYTES)",
    "415": "The body is not of a media type this operation reads",
}


def document_transport_answers(schema: dict[str, Any]) -> None:
    """Add the problem answers every operation with a request body can give."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            if "requestBody" not in operation:
                continue
            responses = operation.setdefault("responses", {})
            for status, description in _BODY_ANSWERS.items():
                responses.setdefault(status, {"description": description, "content": _PROBLEM})
