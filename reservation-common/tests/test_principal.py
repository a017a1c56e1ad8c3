"""Who is a service account: the client-credentials claims decide, never a username."""

from __future__ import annotations

from typing import Any

import pytest
from reservation_common.auth import Principal, TokenVerifier
from reservation_testrealm.server import TestRealm

AUDIENCE = "reservation-api"


def claims(**extra: Any) -> dict[str, Any]:
    return {"sub": "0b8f6d1e-0000-4000-8000-000000000001", "typ": "Bearer", **extra}


@pytest.mark.parametrize("claim", ["client_id", "clientId"])
def test_keycloak_service_account_claims_make_a_service_account(claim: str) -> None:
    principal = Principal.from_claims(
        claims(
            azp="Switch-Port",
            preferred_username="service-account-switch-port",
            **{claim: "Switch-Port"},
        )
    )
    assert principal.is_service_account
    assert principal.client_id == "Switch-Port"


@pytest.mark.parametrize(
    "extra",
    [
        # A person who picked the prefix as username.
        {"azp": "reservation-frontend", "preferred_username": "service-account-hook"},
        # A client claim that is not the token's own client.
        {"azp": "reservation-frontend", "client_id": "switch-port", "preferred_username": "eve"},
        # The client's claim, but a person's username.
        {"azp": "switch-port", "client_id": "switch-port", "preferred_username": "eve"},
        # No authorised party at all.
        {"client_id": "switch-port"},
    ],
)
def test_anything_else_is_a_person(extra: dict[str, Any]) -> None:
    principal = Principal.from_claims(claims(**extra))
    assert not principal.is_service_account
    assert principal.client_id is None


async def test_a_person_named_like_a_service_account_is_a_person(test_realm: TestRealm) -> None:
    name = "service-account-reservation-event-processor-2"
    try:
        test_realm.user_id(name)
    except KeyError:
        test_realm.create_user(name)
    async with TokenVerifier(test_realm.issuer, AUDIENCE) as verifier:
        person = await verifier.verify(test_realm.token(name))
        service = await verifier.verify(test_realm.service_token("reservation-event-processor"))
    assert person.username == name
    assert not person.is_service_account
    assert service.is_service_account
    assert service.client_id == "reservation-event-processor"
