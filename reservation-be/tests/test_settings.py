from __future__ import annotations

import pytest
from pydantic import ValidationError
from reservation_be.settings import Settings

PRODUCTION = {
    "environment": "production",
    "database_url": "postgresql+asyncpg://app@db.internal/reservations",
    "keycloak_admin_client_secret": "a-real-secret",
    "webhook_secrets_key": "cmVhbC1rZXktcmVhbC1rZXktcmVhbC1rZXktcmVhbC0=",
}


def test_production_refuses_each_dev_default():
    for field in ("database_url", "keycloak_admin_client_secret", "webhook_secrets_key"):
        values = {k: v for k, v in PRODUCTION.items() if k != field}
        with pytest.raises(ValidationError, match=field.upper()):
            Settings(**values)


def test_production_starts_with_real_values():
    assert Settings(**PRODUCTION).is_production


def test_dev_starts_with_defaults():
    assert not Settings(_env_file=None).is_production


def test_environment_variables_use_the_prefix(monkeypatch):
    monkeypatch.setenv("RESERVATION_BE_OIDC_AUDIENCE", "other-api")
    monkeypatch.setenv("RESERVATION_BE_CORS_ORIGINS", "http://a.test, http://b.test")
    settings = Settings()
    assert settings.oidc_audience == "other-api"
    assert settings.cors_origins == ["http://a.test", "http://b.test"]


def test_secrets_are_not_printed():
    text = repr(Settings(**PRODUCTION))
    assert "a-real-secret" not in text


def test_webhook_secrets_key_must_be_a_fernet_key():
    with pytest.raises(ValidationError, match="32 bytes"):
        Settings(webhook_secrets_key="c2hvcnQ=")
    with pytest.raises(ValidationError, match="base64"):
        Settings(webhook_secrets_key="not base64 at all!!")


KEY_NEW = "bmV3LWtleS1uZXcta2V5LW5ldy1rZXktbmV3LWtleSE="
KEY_OLD = "b2xkLWtleS1vbGQta2V5LW9sZC1rZXktb2xkLWtleSE="


def test_webhook_secrets_key_takes_a_rotation_list():
    settings = Settings(webhook_secrets_key=f"{KEY_NEW}, {KEY_OLD}")

    assert settings.webhook_secrets_key.get_secret_value() == f"{KEY_NEW}, {KEY_OLD}"


@pytest.mark.parametrize("bad", ["c2hvcnQ=", "not base64 at all!!", KEY_OLD + "x"])
def test_every_key_of_a_rotation_list_is_checked_at_start_up(bad):
    # Before: only the value as a whole was decoded; a bad second key surfaced at the first
    # decryption with it, long after start-up.
    with pytest.raises(ValidationError, match="key 2 of 2 is not a Fernet key") as error:
        Settings(webhook_secrets_key=f"{KEY_NEW},{bad}")
    assert KEY_NEW not in str(error.value)


def test_production_refuses_the_dev_key_anywhere_in_the_list():
    from reservation_be.settings import DEV_WEBHOOK_SECRETS_KEY

    values = PRODUCTION | {"webhook_secrets_key": f"{KEY_NEW},{DEV_WEBHOOK_SECRETS_KEY}"}
    with pytest.raises(ValidationError, match="WEBHOOK_SECRETS_KEY"):
        Settings(**values)


@pytest.mark.parametrize(
    ("budget", "workers", "each"), [(4, 1, 4), (4, 2, 2), (4, 3, 2), (2, 2, 1), (1, 4, 1)]
)
def test_the_replicas_booking_turns_are_split_between_its_worker_processes(budget, workers, each):
    settings = Settings(booking_concurrency=budget, serve_workers=workers)
    assert settings.booking_turns == each
