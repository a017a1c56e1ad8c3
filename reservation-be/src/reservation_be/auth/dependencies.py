from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from reservation_common.auth import (
    IdentityProviderUnavailableError,
    InvalidTokenError,
    Principal,
    TokenVerifier,
)
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be.auth.actor import Actor
from reservation_be.kit.db import SessionDep
from reservation_be.kit.errors import ServiceUnavailable, TooManyRequests, Unauthorized
from reservation_be.kit.rate_limit import RateLimiter
from reservation_be.settings import Settings
from reservation_be.users import repository as users_repository

log = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="Access token issued by Keycloak")


def _verifier(request: Request) -> TokenVerifier:
    verifier: TokenVerifier = request.app.state.token_verifier
    return verifier


async def _principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("A bearer access token is required.")
    principal = await verify_token(request, credentials.credentials)
    enforce_rate_limit(request, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(_principal)]
"""The verified token of the request, counted against its rate limit (401, 429)."""


def enforce_rate_limit(request: Request, principal: Principal) -> None:
    """Count the request against its principal's limit; 429 with Retry-After when over it."""
    settings: Settings = request.app.state.settings
    limit = (
        settings.rate_limit_service_requests
        if principal.is_service_account
        else settings.rate_limit_requests
    )
    limiter: RateLimiter = request.app.state.rate_limiter
    refusal = limiter.hit(principal.sub, limit)
    if refusal is not None:
        raise TooManyRequests(
            f"More than {limit} requests in the current window; "
            f"retry after {refusal.retry_after} s.",
            headers={"Retry-After": str(refusal.retry_after)},
        )


async def verify_token(request: Request, token: str) -> Principal:
    """The token's principal; 401 for a bad token, 503 when the keys cannot be fetched."""
    try:
        return await _verifier(request).verify(token)
    except IdentityProviderUnavailableError as exc:
        log.warning("identity provider unavailable: %s", exc.reason)
        raise ServiceUnavailable("The identity provider cannot be reached.") from exc
    except InvalidTokenError as exc:
        raise Unauthorized(
            f"Invalid access token: {exc.reason}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc


async def _sync_user(session: AsyncSession, principal: Principal, actor: Actor) -> None:
    claims = principal.claims
    await users_repository.upsert_from_token(
        session,
        user_id=actor.user_id,
        username=actor.username,
        email=actor.email,
        first_name=claims.get("given_name") if isinstance(claims.get("given_name"), str) else None,
        last_name=claims.get("family_name") if isinstance(claims.get("family_name"), str) else None,
        is_service_account=actor.is_service_account,
    )


async def get_actor(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Actor:
    return await actor_of(request, session, principal)


async def actor_of(request: Request, session: AsyncSession, principal: Principal) -> Actor:
    """The caller, their users row brought up to date with the token in ``session``."""
    actor = Actor.from_principal(principal)
    await _sync_user(session, principal, actor)
    request.state.actor = actor
    return actor


ActorDep = Annotated[Actor, Depends(get_actor)]
