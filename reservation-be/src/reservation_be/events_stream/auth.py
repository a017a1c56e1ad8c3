"""The stream's caller: a bearer token from the header or, for EventSource (which cannot set
headers), from ``?access_token=``. The query form is kept out of the access log."""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from reservation_common.auth import (
    IdentityProviderUnavailableError,
    InvalidTokenError,
    Principal,
    TokenVerifier,
)

from reservation_be.kit.errors import ServiceUnavailable, Unauthorized

log = logging.getLogger(__name__)

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
    access_token: Annotated[
        str | None,
        Query(max_length=8192, description="For EventSource, which cannot send headers"),
    ] = None,
) -> Principal:
    token = credentials.credentials if credentials is not None else access_token
    if not token:
        raise Unauthorized("A bearer access token is required (header or access_token).")
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        return await verifier.verify(token)
    except IdentityProviderUnavailableError as exc:
        log.warning("identity provider unavailable: %s", exc.reason)
        raise ServiceUnavailable("The identity provider cannot be reached.") from exc
    except InvalidTokenError as exc:
        raise Unauthorized(
            f"Invalid access token: {exc.reason}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc


PrincipalDep = Annotated[Principal, Depends(stream_principal)]
