from __future__ import annotations


async def test_config_names_the_issuer_and_the_cli_client_without_a_token(client, settings):
    response = await client.get("/api/v1/config")

    assert response.status_code == 200
    assert response.json() == {
        "api_version": "1.0.0",
        "oidc": {
            "issuer": settings.oidc_issuer,
            "audience": "reservation-api",
            "cli_client_id": "reservation-cli",
            "discovery_url": f"{settings.oidc_issuer}/.well-known/openid-configuration",
        },
    }
