"""Tokens per profile: in the OS keyring when one is available, else in a file with mode 0600.

The file is ``$XDG_CONFIG_HOME/rsv/tokens/<profile>.json``. A keyring counts as available when
the ``keyring`` package finds a real backend (Secret Service, macOS Keychain, Windows Credential
Locker); ``PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring`` forces the file.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel

from reservation_cli.config import config_dir

KEYRING_SERVICE = "rsv"
# Refresh this long before the access token expires, so a request never carries a dead one.
EXPIRY_MARGIN_SECONDS = 30


class TokenSet(BaseModel):
    access_token: str
    refresh_token: str | None = None
    expires_at: float
    refresh_expires_at: float | None = None
    id_token: str | None = None

    @classmethod
    def from_response(cls, body: dict[str, object], *, now: float | None = None) -> TokenSet:
        now = time.time() if now is None else now
        refresh_in = body.get("refresh_expires_in")
        return cls(
            access_token=str(body["access_token"]),
            refresh_token=str(body["refresh_token"]) if body.get("refresh_token") else None,
            expires_at=now + float(str(body.get("expires_in", 60))),
            # Keycloak says 0 for tokens that live as long as the session may.
            refresh_expires_at=now + float(str(refresh_in)) if refresh_in else None,
            id_token=str(body["id_token"]) if body.get("id_token") else None,
        )

    def access_is_fresh(self, *, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.expires_at - EXPIRY_MARGIN_SECONDS > now

    def can_refresh(self, *, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        if self.refresh_token is None:
            return False
        return self.refresh_expires_at is None or self.refresh_expires_at > now


class TokenStore(Protocol):
    kind: str

    def load(self, profile: str) -> TokenSet | None: ...

    def save(self, profile: str, tokens: TokenSet) -> None: ...

    def delete(self, profile: str) -> None: ...


class FileTokenStore:
    kind = "file"

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or config_dir() / "tokens"

    def _path(self, profile: str) -> Path:
        return self.directory / f"{profile}.json"

    def load(self, profile: str) -> TokenSet | None:
        path = self._path(profile)
        if not path.exists():
            return None
        try:
            return TokenSet.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError:
            return None

    def save(self, profile: str, tokens: TokenSet) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self._path(profile)
        # Created 0600 from the start: the tokens are never readable by others, even briefly.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(tokens.model_dump_json())
        os.chmod(path, 0o600)

    def delete(self, profile: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._path(profile).unlink()


class KeyringTokenStore:
    kind = "keyring"

    def load(self, profile: str) -> TokenSet | None:
        import keyring

        raw = keyring.get_password(KEYRING_SERVICE, profile)
        if raw is None:
            return None
        try:
            return TokenSet.model_validate_json(raw)
        except ValueError:
            return None

    def save(self, profile: str, tokens: TokenSet) -> None:
        import keyring

        keyring.set_password(KEYRING_SERVICE, profile, tokens.model_dump_json())

    def delete(self, profile: str) -> None:
        import keyring
        from keyring.errors import PasswordDeleteError

        with contextlib.suppress(PasswordDeleteError):
            keyring.delete_password(KEYRING_SERVICE, profile)


def keyring_available() -> bool:
    try:
        import keyring
        from keyring.backends import chainer, fail, null
    except ImportError:  # pragma: no cover - keyring is a dependency
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken backend is the same as none
        return False
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    return not (isinstance(backend, chainer.ChainerBackend) and not backend.backends)


def default_store() -> TokenStore:
    return KeyringTokenStore() if keyring_available() else FileTokenStore()
