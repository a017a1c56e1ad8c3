from __future__ import annotations

from reservation_be.kit.schemas import Schema


class OidcConfig(Schema):
    issuer: str
    audience: str
    cli_client_id: str
    discovery_url: str


class ClientConfig(Schema):
    """What a client needs to sign in before it holds any token."""

    api_version: str
    oidc: OidcConfig
