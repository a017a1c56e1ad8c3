"""The built frontend for the backend to serve, with a ``config.js`` for this run's addresses.

When ``frontend/dist`` is missing it is built with npm, in the background while the database
and the other processes start. The build is copied into the data directory and given its own
config.js, so the repository's build output is never modified.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from devmode.supervisor import Child, Supervisor

__all__ = ["FrontendBuild", "prepare_frontend"]


class FrontendBuild:
    """``npm ci`` (when node_modules is missing) then ``npm run build``, one step at a time, as
    children of the supervisor (so a stop during the build ends it too)."""

    def __init__(self, repo: Path, supervisor: Supervisor, *, build: bool) -> None:
        self.frontend = repo / "frontend"
        self.dist = self.frontend / "dist"
        self.supervisor = supervisor
        self.steps: list[list[str]] = []
        self.problem: str | None = None
        self._child: Child | None = None
        if (self.dist / "index.html").is_file():
            return
        npm = shutil.which("npm")
        if not build or not (self.frontend / "package.json").is_file():
            self.problem = "frontend/dist is not built: API only"
        elif npm is None:
            self.problem = "npm not found: the frontend is not built (API only)"
        else:
            if not (self.frontend / "node_modules").is_dir():
                self.steps.append([npm, "ci", "--no-audit", "--no-fund"])
            self.steps.append([npm, "run", "build"])

    def start(self) -> None:
        if self.steps:
            self._child = self.supervisor.start(
                "frontend-build", self.steps.pop(0), os.environ, cwd=self.frontend
            )

    def wait(self) -> Path | None:
        """The built directory once every step is done, or None (``problem`` says why)."""
        while self._child is not None:
            child, self._child = self._child, None
            code = child.process.wait()
            self.supervisor.children.remove(child)
            if code != 0:
                step = " ".join(str(arg) for arg in child.argv[1:])
                self.problem = f"`npm {step}` failed (see {child.log_path}): API only"
                return None
            self.start()
        return None if self.problem else self.dist


def prepare_frontend(dist: Path, data_dir: Path, *, api_url: str, issuer: str) -> Path:
    """Copy the build into the data directory with this run's config.js; return that copy."""
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
    return served
