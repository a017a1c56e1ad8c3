"""Standard Webhooks signing and verification, shared by the sender and the receivers.

Wire format (https://www.standardwebhooks.com/):

* ``webhook-id``: the delivery's stable id (``msg_...``), the same on every retry;
* ``webhook-timestamp``: integer seconds since the epoch, when the attempt was signed;
* ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, one per
  active secret, space separated, so receivers keep verifying while a secret is rotated.

Secrets are ``whsec_`` followed by the base64 of 32 random bytes.
"""

from __future__ import annotations

import base64
import secrets as _secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

__all__ = [
    "SECRET_PREFIX",
    "WebhookVerificationError",
    "generate_secret",
    "is_valid_secret",
    "sign",
    "signed_headers",
    "verify",
]

SECRET_PREFIX = "whsec_"
_SECRET_BYTES = 32


def generate_secret() -> str:
    """A new signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(_SECRET_BYTES)).decode()


def is_valid_secret(secret: str) -> bool:
    """True for a ``whsec_`` secret whose key decodes to at least 24 bytes."""
    if not secret.startswith(SECRET_PREFIX):
        return False
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except ValueError:
        return False
    return len(key) >= 24


def _as_text(body: bytes | str) -> str:
    return body.decode() if isinstance(body, bytes) else body


def sign(
    *,
    msg_id: str,
    timestamp: datetime,
    body: bytes | str,
    secrets: Sequence[str],
) -> str:
    """The ``webhook-signature`` header value: one ``v1,`` signature per secret."""
    if not secrets:
        raise ValueError("at least one secret is needed to sign")
    if timestamp.tzinfo is None:
        raise ValueError("timestamp must be timezone-aware")
    text = _as_text(body)
    return " ".join(
        Webhook(secret).sign(msg_id=msg_id, timestamp=timestamp, data=text) for secret in secrets
    )


def signed_headers(
    *,
    msg_id: str,
    body: bytes | str,
    secrets: Sequence[str],
    timestamp: datetime | None = None,
) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    ts = timestamp or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(ts.timestamp())),
        "webhook-signature": sign(msg_id=msg_id, timestamp=ts, body=body, secrets=secrets),
    }


def verify(*, secret: str, body: bytes | str, headers: Mapping[str, str]) -> Any:
    """Verify one request against ``secret``; returns the parsed JSON body.

    Raises ``WebhookVerificationError`` when a header is missing, the timestamp is more than five
    minutes away from now, or no signature matches.
    """
    return Webhook(secret).verify(_as_text(body), dict(headers))
