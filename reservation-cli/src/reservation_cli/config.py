"""Profiles: one per installation, in ``$XDG_CONFIG_HOME/rsv/config.toml``.

A profile remembers the API's URL and what ``GET /api/v1/config`` told about the identity
provider. The profile in use is ``--profile``, else ``RSV_PROFILE``, else ``default``.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_PROFILE = "default"


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "rsv"


@dataclass(slots=True)
class Profile:
    name: str
    server: str
    issuer: str = ""
    client_id: str = "reservation-cli"


def _path() -> Path:
    return config_dir() / "config.toml"


def load_profiles() -> dict[str, Profile]:
    path = _path()
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    profiles: dict[str, Profile] = {}
    for name, values in data.get("profiles", {}).items():
        if isinstance(values, dict) and isinstance(values.get("server"), str):
            fields = {
                k: str(v) for k, v in values.items() if k in ("server", "issuer", "client_id")
            }
            profiles[name] = Profile(name=name, **fields)
    return profiles


def save_profile(profile: Profile) -> None:
    profiles = load_profiles()
    profiles[profile.name] = profile
    lines = ["# rsv profiles: one table per installation (rsv login --server URL --profile NAME)"]
    for name in sorted(profiles):
        lines.append(f"\n[profiles.{json.dumps(name)}]")
        for key, value in asdict(profiles[name]).items():
            if key != "name":
                # A JSON string is a valid TOML basic string.
                lines.append(f"{key} = {json.dumps(value)}")
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def remove_profile(name: str) -> None:
    profiles = load_profiles()
    if profiles.pop(name, None) is None:
        return
    path = _path()
    path.unlink()
    for profile in profiles.values():
        save_profile(profile)
