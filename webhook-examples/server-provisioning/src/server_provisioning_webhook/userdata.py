"""The cloud-init user-data a host boots with: the login user, and sshd asking the receiver
for the keys of the booking's team (owner and co-users) at every login.

Only key types OpenSSH accepts by default are passed on; a key is one line, its base64 body
decodes, and its type inside the body matches the type in front. Anything else is refused
before the host is touched.
"""

from __future__ import annotations

import base64
import binascii
import json
import struct
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "ALLOWED_KEY_TYPES",
    "KEYS_COMMAND",
    "BadKey",
    "TeamKeys",
    "keys_command_url",
    "render_user_data",
    "team_keys",
]

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
SSHD_DROP_IN = "/etc/ssh/sshd_config.d/50-reservation-keys.conf"
KEYS_COMMAND = "/usr/local/sbin/reservation-keys"
_KEYS_CACHE = "/var/cache/reservation-keys"


class BadKey(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _clean(key: str, label: str) -> str:
    parts = key.strip().split()
    if len(parts) < 2 or "\n" in key.strip() or "\r" in key:
        raise BadKey(f"{label} is not one 'type base64' line")
    kind, body = parts[0], parts[1]
    if kind not in ALLOWED_KEY_TYPES:
        raise BadKey(f"{label} has an unsupported type {kind[:40]!r}")
    try:
        raw = base64.b64decode(body, validate=True)
        (length,) = struct.unpack(">I", raw[:4])
        inner = raw[4 : 4 + length].decode("ascii")
    except (binascii.Error, struct.error, UnicodeDecodeError) as error:
        raise BadKey(f"{label} is not valid base64 key data") from error
    if inner != kind:
        raise BadKey(f"{label} says {kind!r} but holds {inner[:40]!r}")
    return f"{kind} {body}"


@dataclass(frozen=True)
class TeamKeys:
    """The keys that may log in: the owner's and the co-users', each once, in that order."""

    keys: tuple[str, ...]
    # A co-user's key the host would not accept: left out (the team still gets in), named in
    # the report so the co-user can fix it.
    left_out: tuple[str, ...] = ()


def team_keys(owner_keys: list[str], co_users: Iterable[tuple[str, list[str]]]) -> TeamKeys:
    """The owner's keys must all be usable (BadKey otherwise, as before sharing existed); a
    co-user's unusable key is left out; nobody with a key at all is BadKey."""
    keys = [_clean(key, f"SSH key {n}") for n, key in enumerate(owner_keys, start=1)]
    left_out: list[str] = []
    for username, their_keys in co_users:
        for n, key in enumerate(their_keys, start=1):
            try:
                keys.append(_clean(key, f"{username[:40]}'s SSH key {n}"))
            except BadKey as refused:
                left_out.append(refused.reason)
    if not keys:
        raise BadKey("the owner and the co-users have no SSH key: nobody could log in")
    return TeamKeys(tuple(dict.fromkeys(keys)), tuple(left_out))


_KEYS_SCRIPT = """#!/bin/sh
# sshd's AuthorizedKeysCommand: the team's keys as the receiver answers them now. Unreachable:
# the last answer (a receiver restart locks nobody out); any other answer than 200 (404 once
# the booking is released): nobody.
url='{url}'
cache={cache}/keys
code=$(curl -sS --max-time 5 -o "$cache.new" -w '%{{http_code}}' "$url")
case "$code" in
  200) mv "$cache.new" "$cache" ;;
  000) rm -f "$cache.new" ;;
  *) rm -f "$cache.new"; : > "$cache" ;;
esac
cat "$cache" 2>/dev/null
exit 0
"""


def render_user_data(*, login_user: str, keys_url: str, hostname: str) -> str:
    """A ``#cloud-config`` document (JSON is valid YAML): one user, no password, and sshd
    asking ``keys_url`` for the keys at every login (``AuthorizedKeysCommand``) instead of a
    file written once: a co-user removed during the booking is refused from then on, without
    a reinstall; after the release the URL answers 404 and nobody's key works."""
    if "'" in keys_url:
        raise ValueError("the keys URL must not contain a quote")
    sshd = (
        "AuthorizedKeysFile none\n"
        f"AuthorizedKeysCommand {KEYS_COMMAND}\n"
        "AuthorizedKeysCommandUser nobody\n"
    )
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
            }
        ],
        "write_files": [
            {
                "path": KEYS_COMMAND,
                "permissions": "0755",
                "owner": "root:root",
                "content": _KEYS_SCRIPT.format(url=keys_url, cache=_KEYS_CACHE),
            },
            {"path": SSHD_DROP_IN, "permissions": "0600", "owner": "root:root", "content": sshd},
        ],
        "runcmd": [
            ["install", "-d", "-o", "nobody", "-m", "0700", _KEYS_CACHE],
            ["systemctl", "try-reload-or-restart", "ssh", "sshd"],
        ],
    }
    return "#cloud-config\n" + json.dumps(document, indent=2) + "\n"


def keys_command_url(user_data: str) -> str | None:
    """The URL the keys command of a host booted with ``user_data`` asks (None: none)."""
    document = json.loads(user_data.removeprefix("#cloud-config\n"))
    for entry in document.get("write_files", []):
        if entry.get("path") != KEYS_COMMAND:
            continue
        for line in str(entry.get("content", "")).splitlines():
            if line.startswith("url='") and line.endswith("'"):
                return line[5:-1]
    return None
