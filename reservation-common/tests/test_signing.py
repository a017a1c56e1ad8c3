import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from reservation_common.signing import (
    WebhookVerificationError,
    generate_secret,
    is_valid_secret,
    sign,
    signed_headers,
    verify,
)
from standardwebhooks import Webhook

BODY = json.dumps({"id": "evt_1", "type": "webhook.ping", "data": {"x": 1}})


def independent_signature(secret: str, msg_id: str, timestamp: str, body: str) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode()


def test_generated_secret_is_whsec_with_32_random_bytes() -> None:
    a, b = generate_secret(), generate_secret()
    assert a.startswith("whsec_") and a != b
    assert len(base64.b64decode(a.removeprefix("whsec_"))) == 32
    assert is_valid_secret(a)


@pytest.mark.parametrize("bad", ["", "whsec_", "sk_abc", "whsec_not*base64", "whsec_AAAA"])
def test_malformed_secrets_are_not_valid(bad: str) -> None:
    assert not is_valid_secret(bad)


def test_signature_matches_independent_hmac_and_library_verifies() -> None:
    secret = generate_secret()
    headers = signed_headers(msg_id="msg_abc", body=BODY, secrets=[secret])
    version, sig = headers["webhook-signature"].split(",")
    assert version == "v1"
    assert sig == independent_signature(secret, "msg_abc", headers["webhook-timestamp"], BODY)
    assert Webhook(secret).verify(BODY, headers) == json.loads(BODY)
    assert verify(secret=secret, body=BODY.encode(), headers=headers) == json.loads(BODY)


def test_rotation_sends_one_signature_per_secret_and_either_verifies() -> None:
    old, new = generate_secret(), generate_secret()
    headers = signed_headers(msg_id="msg_rot", body=BODY, secrets=[new, old])
    parts = headers["webhook-signature"].split(" ")
    assert len(parts) == 2 and all(p.startswith("v1,") for p in parts)
    for secret in (old, new):
        verify(secret=secret, body=BODY, headers=headers)
    with pytest.raises(WebhookVerificationError):
        verify(secret=generate_secret(), body=BODY, headers=headers)


def test_tampered_body_is_refused() -> None:
    secret = generate_secret()
    headers = signed_headers(msg_id="msg_t", body=BODY, secrets=[secret])
    with pytest.raises(WebhookVerificationError):
        verify(secret=secret, body=BODY.replace("1", "2"), headers=headers)


def test_old_timestamp_is_refused() -> None:
    secret = generate_secret()
    old = datetime.now(UTC) - timedelta(minutes=10)
    headers = signed_headers(msg_id="msg_o", body=BODY, secrets=[secret], timestamp=old)
    with pytest.raises(WebhookVerificationError, match="too old"):
        verify(secret=secret, body=BODY, headers=headers)


def test_signing_refuses_naive_timestamps_and_no_secret() -> None:
    with pytest.raises(ValueError, match="timezone"):
        sign(msg_id="m", timestamp=datetime(2026, 1, 1), body="{}", secrets=[generate_secret()])
    with pytest.raises(ValueError, match="secret"):
        sign(msg_id="m", timestamp=datetime.now(UTC), body="{}", secrets=[])
