"""Encryption of secrets at rest (webhook signing secrets) with Fernet.

The key setting holds one or more Fernet keys separated by commas: the first encrypts, every key
decrypts, so a key can be rotated by putting the new one first and re-encrypting at leisure.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = [
    "DecryptionError",
    "InvalidKeyError",
    "SecretBox",
    "generate_key",
    "split_keys",
    "validate_keys",
]


class InvalidKeyError(ValueError):
    """The configured key is not a valid Fernet key (32 url-safe base64-encoded bytes)."""


class DecryptionError(Exception):
    """A stored value cannot be decrypted with any configured key (wrong key or tampered)."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


def split_keys(keys: str) -> list[str]:
    return [k.strip() for k in keys.split(",") if k.strip()]


def validate_keys(keys: str, setting: str = "WEBHOOK_SECRETS_KEY") -> list[str]:
    """Every key of a rotation list, checked at start-up (not only the first, which encrypts):
    url-safe base64 of exactly 32 bytes. Raises ``InvalidKeyError`` naming the key's position,
    never its value. Returns the keys."""
    parts = split_keys(keys)
    if not parts:
        raise InvalidKeyError(f"{setting} holds no key")
    for position, key in enumerate(parts, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode("ascii", errors="strict"))
            strict = base64.urlsafe_b64encode(raw).decode() == key
        except (binascii.Error, UnicodeEncodeError, ValueError):
            raw, strict = b"", False
        if not strict or len(raw) != 32:
            raise InvalidKeyError(
                f"{setting} key {position} of {len(parts)} is not a Fernet key "
                "(url-safe base64 of 32 bytes)"
            )
    return parts


class SecretBox:
    """Encrypts and decrypts short secrets; values are url-safe base64 text for a text column."""

    def __init__(self, keys: str) -> None:
        parts = split_keys(keys)
        if not parts:
            raise InvalidKeyError("no encryption key configured")
        try:
            self._fernet = MultiFernet([Fernet(k.encode()) for k in parts])
        except ValueError as exc:
            raise InvalidKeyError("encryption key is not a valid Fernet key") from exc

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionError(
                "stored secret cannot be decrypted with the configured keys"
            ) from exc

    def rotate(self, token: str) -> str:
        """Re-encrypt ``token`` under the first (newest) key."""
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken as exc:
            raise DecryptionError(
                "stored secret cannot be decrypted with the configured keys"
            ) from exc

    def __repr__(self) -> str:
        return "SecretBox(<keys hidden>)"
