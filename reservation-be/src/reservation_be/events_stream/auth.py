"""The stream's caller: a bearer token in the ``Authorization`` header, never in the URL.

URLs end up in proxy and access logs, so a query-string token is refused (clients read the
stream with ``fetch``, which can send the header). Any ``access_token=`` that still reaches a
log line is blanked."""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from reservation_common.auth import Principal

from reservation_be.auth.dependencies import enforce_rate_limit, verify_token
from reservation_be.kit.errors import Unauthorized

_bearer = HTTPBearer(auto_error=False)
_TOKEN_IN_QUERY = re.compile(r"(access_token=)[^&\s]*")


class RedactAccessToken(logging.Filter):
    """Blanks ``access_token=...`` in the access-log line of uvicorn (and any message)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _TOKEN_IN_QUERY.sub(r"\1[redacted]", a) if isinstance(a, str) else a
                for a in record.args
            )
        if isinstance(record.msg, str) and "access_token=" in record.msg:
            record.msg = _TOKEN_IN_QUERY.sub(r"\1[redacted]", record.msg)
        return True


def install_log_redaction() -> None:
    for name in ("uvicorn.access", "reservation_be.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactAccessToken) for f in logger.filters):
            logger.addFilter(RedactAccessToken())


async def stream_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if "access_token" in request.query_params:
        raise Unauthorized(
            "Send the access token in the Authorization header, never in the URL "
            "(URLs are kept in proxy logs)."
        )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required in the Authorization header.")
    principal = await verify_token(request, credentials.credentials)
    enforce_rate_limit(request, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(stream_principal)]
