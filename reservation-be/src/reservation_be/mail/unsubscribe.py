"""One-click unsubscribe tokens (RFC 8058): the user and the kind, signed with HMAC-SHA256.

The key is derived from the backend's ``WEBHOOK_SECRETS_KEY`` (the first key of a rotation
list), which production refuses to leave at its dev default; rotating it ends old links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from reservation_common.crypto import split_keys

_PURPOSE = b"mail-unsubscribe-v1"


def _key(secret: str) -> bytes:
    first = split_keys(secret)[0]
    return hmac.new(first.encode(), _PURPOSE, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(secret: str, user_id: str, kind: str) -> str:
    payload = f"{user_id}\n{kind}".encode()
    signature = hmac.new(_key(secret), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(signature)}"


def read_token(secret: str, token: str) -> tuple[str, str] | None:
    """``(user_id, kind)`` of a valid token, ``None`` otherwise."""
    try:
        payload_text, signature_text = token.split(".", 1)
        payload, signature = _unb64(payload_text), _unb64(signature_text)
        expected = hmac.new(_key(secret), payload, hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            return None
        user_id, kind = payload.decode().split("\n", 1)
    except (ValueError, UnicodeDecodeError):
        return None
    return user_id, kind
