"""``GET /api/v1/config``: the identity provider a client signs in with, without a token.

The command-line client discovers everything from the API's URL with it: the issuer (and so the
device authorization and token endpoints, from OIDC discovery) and its own client id.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from reservation_be.client_config.schemas import ClientConfig, OidcConfig
from reservation_be.settings import Settings

router = APIRouter(tags=["config"])


@router.get("/config", response_model=ClientConfig, summary="Sign-in settings for clients (public)")
def client_config(request: Request) -> ClientConfig:
    settings: Settings = request.app.state.settings
    issuer = settings.oidc_issuer.rstrip("/")
    return ClientConfig(
        api_version=request.app.version,
        oidc=OidcConfig(
            issuer=issuer,
            audience=settings.oidc_audience,
            cli_client_id=settings.oidc_cli_client_id,
            discovery_url=f"{issuer}/.well-known/openid-configuration",
        ),
    )
