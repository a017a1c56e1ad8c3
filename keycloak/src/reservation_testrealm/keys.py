"""The realm's keys: RS256 keys for access and ID tokens (with rotation), HS512 for refresh
tokens, as Keycloak's default key providers do."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey, RSAKey

SIGNING_ALGORITHM = "RS256"
REFRESH_ALGORITHM = "HS512"


class KeyRing:
    """Published signing keys, newest first; the newest one signs.

    Rotation keeps older keys published (tokens they signed stay valid until they expire) until
    :meth:`remove` withdraws one.
    """

    def __init__(self, key_size: int = 2048) -> None:
        self._lock = threading.Lock()
        self._key_size = key_size
        self._keys: list[RSAKey] = []
        self._refresh_key = OctKey.generate_key(512, parameters={"alg": REFRESH_ALGORITHM})
        self._refresh_key.ensure_kid()
        self.rotate()

    @property
    def active_kid(self) -> str:
        return str(self._keys[0].kid)

    @property
    def kids(self) -> list[str]:
        with self._lock:
            return [str(key.kid) for key in self._keys]

    def rotate(self) -> str:
        """Add a new signing key and make it the active one; return its kid."""
        key = RSAKey.generate_key(
            self._key_size, parameters={"alg": SIGNING_ALGORITHM, "use": "sig"}
        )
        key.ensure_kid()
        with self._lock:
            self._keys.insert(0, key)
        return str(key.kid)

    def remove(self, kid: str) -> None:
        with self._lock:
            remaining = [key for key in self._keys if key.kid != kid]
            if len(remaining) == len(self._keys):
                raise KeyError(kid)
            if not remaining:
                raise ValueError("the realm must keep at least one signing key")
            self._keys = remaining

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            keys = KeySet(list(self._keys))
        published = []
        for key in keys.as_dict(private=False)["keys"]:
            entry = dict(key)
            entry.setdefault("use", "sig")
            entry.setdefault("alg", SIGNING_ALGORITHM)
            published.append(entry)
        return {"keys": published}

    def sign(self, claims: Mapping[str, Any], *, typ: str = "JWT") -> str:
        with self._lock:
            key = self._keys[0]
        header = {"alg": SIGNING_ALGORITHM, "typ": typ, "kid": key.kid}
        return jwt.encode(header, dict(claims), key, algorithms=[SIGNING_ALGORITHM])

    def sign_refresh(self, claims: Mapping[str, Any]) -> str:
        header = {"alg": REFRESH_ALGORITHM, "typ": "JWT", "kid": self._refresh_key.kid}
        return jwt.encode(header, dict(claims), self._refresh_key, algorithms=[REFRESH_ALGORITHM])

    def decode(self, token: str) -> dict[str, Any] | None:
        """Claims of a token this realm signed with a key it still publishes, else ``None``.

        Only the signature is checked here; the caller checks expiry, type and session.
        """
        try:
            header = jws.extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError):
            return None
        kid, alg = header.get("kid"), header.get("alg")
        key: RSAKey | OctKey | None = None
        if alg == REFRESH_ALGORITHM and kid == self._refresh_key.kid:
            key = self._refresh_key
        elif alg == SIGNING_ALGORITHM:
            with self._lock:
                key = next((k for k in self._keys if k.kid == kid), None)
        if key is None:
            return None
        try:
            return dict(jwt.decode(token, key, algorithms=[str(alg)]).claims)
        except (JoseError, ValueError):
            return None
