"""``create_app``: the test realm as an ASGI application, for embedding or for uvicorn."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from reservation_testrealm import admin, endpoints
from reservation_testrealm.keys import KeyRing
from reservation_testrealm.realm import load_realm
from reservation_testrealm.state import RealmState
from reservation_testrealm.tokens import OAuthError, TokenService

WARNING = (
    "reservation-testrealm is a development/test identity provider with well-known demo "
    "passwords and in-memory keys. NEVER use it in production: run Keycloak."
)
logger = logging.getLogger("reservation_testrealm")


def create_app(
    realm_file: str | Path | None = None,
    public_url: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    keys: KeyRing | None = None,
) -> FastAPI:
    """Build the test realm serving ``realm_file`` (the repository's realm file by default).

    ``public_url`` (``http://host:port``) fixes the issuer's origin; without it the issuer follows
    the address each request was sent to, as Keycloak does without a configured hostname.
    """
    realm = load_realm(realm_file, environ)
    service = TokenService(realm, keys or KeyRing(), clock=clock)
    state = RealmState(service=service, public_url=public_url.rstrip("/") if public_url else None)
    app = FastAPI(
        title="reservation-testrealm (development/test identity provider)",
        description=WARNING,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.realm = state
    app.include_router(endpoints.router)
    app.include_router(admin.router)
    origins = sorted({o for c in realm.clients.values() for o in c.allowed_origins()})
    # keycloak-js calls the token, userinfo and logout endpoints from the browser.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=origins,
        allow_credentials=True,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
    )

    @app.exception_handler(OAuthError)
    async def oauth_error(_: Request, exc: OAuthError) -> JSONResponse:
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            status_code=exc.status,
            headers=endpoints.NO_STORE,
        )

    @app.exception_handler(admin.AdminError)
    async def admin_error(_: Request, exc: admin.AdminError) -> JSONResponse:
        return JSONResponse(exc.body, status_code=exc.status)

    @app.exception_handler(endpoints.RealmNotFoundError)
    async def realm_not_found(_: Request, exc: endpoints.RealmNotFoundError) -> JSONResponse:
        return JSONResponse(
            {
                "error": "Realm does not exist",
                "error_description": "For more on this error consult the server log.",
            },
            status_code=404,
        )

    logger.warning(WARNING)
    return app
