"""The cloud-init user-data a host boots with: the login user and the owner's public keys.

Only key types OpenSSH accepts by default are passed on; a key is one line, its base64 body
decodes, and its type inside the body matches the type in front. Anything else is refused
before the host is touched.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct

__all__ = ["ALLOWED_KEY_TYPES", "BadKey", "render_user_data", "validate_keys"]

ALLOWED_KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "ssh-rsa",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)


class BadKey(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate_keys(keys: list[str]) -> list[str]:
    """The keys as ``type base64`` lines (comments dropped); BadKey for anything else."""
    if not keys:
        raise BadKey("the owner has no SSH key: nobody could log in")
    clean: list[str] = []
    for number, key in enumerate(keys, start=1):
        parts = key.strip().split()
        if len(parts) < 2 or "\n" in key.strip() or "\r" in key:
            raise BadKey(f"SSH key {number} is not one 'type base64' line")
        kind, body = parts[0], parts[1]
        if kind not in ALLOWED_KEY_TYPES:
            raise BadKey(f"SSH key {number} has an unsupported type {kind[:40]!r}")
        try:
            raw = base64.b64decode(body, validate=True)
            (length,) = struct.unpack(">I", raw[:4])
            inner = raw[4 : 4 + length].decode("ascii")
        except (binascii.Error, struct.error, UnicodeDecodeError) as error:
            raise BadKey(f"SSH key {number} is not valid base64 key data") from error
        if inner != kind:
            raise BadKey(f"SSH key {number} says {kind!r} but holds {inner[:40]!r}")
        clean.append(f"{kind} {body}")
    return clean


def render_user_data(*, login_user: str, keys: list[str], hostname: str) -> str:
    """A ``#cloud-config`` document (JSON is valid YAML): one user, these keys, no password."""
    document = {
        "hostname": hostname,
        "ssh_pwauth": False,
        "disable_root": True,
        "users": [
            {
                "name": login_user,
                "lock_passwd": True,
                "shell": "/bin/bash",
                "sudo": "ALL=(ALL) NOPASSWD:ALL",
                "ssh_authorized_keys": keys,
            }
        ],
    }
    return "#cloud-config\n" + json.dumps(document, indent=2) + "\n"
