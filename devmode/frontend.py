"""The built frontend for the backend to serve, with a ``config.js`` for this run's addresses.

The build in ``frontend/dist`` is copied into the data directory and given its own config.js,
so the repository's build output is never modified.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

__all__ = ["prepare_frontend"]


def _build(frontend: Path, log: Path) -> str | None:
    npm = shutil.which("npm")
    if npm is None:
        return "npm not found: the frontend is not built (API only)"
    with log.open("ab") as out:
        steps: list[list[str]] = []
        if not (frontend / "node_modules").is_dir():
            steps.append([npm, "ci", "--no-audit", "--no-fund"])
        steps.append([npm, "run", "build"])
        for step in steps:
            code = subprocess.call(step, cwd=frontend, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
            if code != 0:
                return f"`{' '.join(step[1:])}` failed (see {log}): API only"
    return None


def prepare_frontend(
    repo: Path, data_dir: Path, *, api_url: str, issuer: str, build: bool
) -> tuple[Path | None, str | None]:
    """Return (directory to serve, warning)."""
    frontend = repo / "frontend"
    dist = frontend / "dist"
    if not (dist / "index.html").is_file():
        if not build or not (frontend / "package.json").is_file():
            return None, "frontend/dist is not built: API only"
        problem = _build(frontend, data_dir / "logs" / "frontend-build.log")
        if problem:
            return None, problem
    served = data_dir / "frontend"
    if served.exists():
        shutil.rmtree(served)
    shutil.copytree(dist, served)
    env = {
        "API_URL": f"{api_url}/api/v1",
        "OIDC_ISSUER_URL": issuer,
        "OIDC_CLIENT_ID": "reservation-frontend",
    }
    (served / "config.js").write_text(
        "// Written by the dev-mode launcher for this run.\n"
        f"window.ENV = {json.dumps(env, indent=2)};\n",
        encoding="utf-8",
    )
    return served, None
