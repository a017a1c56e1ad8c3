"""OpenSSH public key parsing and validation (the ``authorized_keys`` line format)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

MIN_RSA_BITS = 2048
MAX_KEY_LENGTH = 16_384

_EC_CURVES = {
    "ecdsa-sha2-nistp256": ec.SECP256R1,
    "ecdsa-sha2-nistp384": ec.SECP384R1,
    "ecdsa-sha2-nistp521": ec.SECP521R1,
    "sk-ecdsa-sha2-nistp256@openssh.com": ec.SECP256R1,
}
ACCEPTED_TYPES = frozenset({"ssh-ed25519", "sk-ssh-ed25519@openssh.com", "ssh-rsa", *_EC_CURVES})


class InvalidSshKey(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class ParsedKey:
    key_type: str
    public_key: str  # "<type> <base64>", without the comment
    comment: str | None
    fingerprint: str  # "SHA256:<base64 without padding>", as ssh-keygen -l prints it
    bits: int | None


def _blob_type(blob: bytes) -> str:
    if len(blob) < 4:
        raise InvalidSshKey("the key data is truncated")
    (length,) = struct.unpack(">I", blob[:4])
    if length > 64 or len(blob) < 4 + length:
        raise InvalidSshKey("the key data is malformed")
    return blob[4 : 4 + length].decode("ascii", errors="replace")


def parse_public_key(text: str) -> ParsedKey:
    """Parse one OpenSSH public key line; raise :class:`InvalidSshKey` saying what is wrong."""
    line = text.strip()
    if not line:
        raise InvalidSshKey("the key is empty")
    if len(line) > MAX_KEY_LENGTH:
        raise InvalidSshKey(f"the key is longer than {MAX_KEY_LENGTH} characters")
    if "\n" in line or "\r" in line:
        raise InvalidSshKey("give exactly one key, on one line")
    parts = line.split(None, 2)
    if len(parts) < 2:
        raise InvalidSshKey("expected '<type> <base64 data> [comment]'")
    key_type, data = parts[0], parts[1]
    comment = parts[2].strip() if len(parts) == 3 else None
    if key_type not in ACCEPTED_TYPES:
        raise InvalidSshKey(
            f"unsupported key type {key_type!r}; accepted: {', '.join(sorted(ACCEPTED_TYPES))}"
        )
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidSshKey("the key data is not valid base64") from exc
    if _blob_type(blob) != key_type:
        raise InvalidSshKey(f"the key data is not a {key_type} key")
    try:
        key = serialization.load_ssh_public_key(f"{key_type} {data}".encode())
    except (ValueError, TypeError) as exc:
        raise InvalidSshKey(f"the key data is not a valid {key_type} key") from exc
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm for odd curves
        raise InvalidSshKey(f"the key data is not a valid {key_type} key") from exc

    bits: int | None = None
    if key_type == "ssh-rsa":
        assert isinstance(key, rsa.RSAPublicKey)
        bits = key.key_size
        if bits < MIN_RSA_BITS:
            raise InvalidSshKey(f"RSA keys must have at least {MIN_RSA_BITS} bits, not {bits}")
    elif key_type in _EC_CURVES:
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(
            key.curve, _EC_CURVES[key_type]
        ):
            raise InvalidSshKey(f"the key data is not a valid {key_type} key")
        bits = key.curve.key_size
    elif not isinstance(key, ed25519.Ed25519PublicKey):
        raise InvalidSshKey(f"the key data is not a valid {key_type} key")
    else:
        bits = 256

    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    if comment is not None and len(comment) > 255:
        comment = comment[:255]
    return ParsedKey(
        key_type=key_type,
        public_key=f"{key_type} {data}",
        comment=comment or None,
        fingerprint=f"SHA256:{digest}",
        bits=bits,
    )
