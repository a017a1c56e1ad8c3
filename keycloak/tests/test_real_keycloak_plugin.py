"""The ``real_keycloak`` fixture when Keycloak's distribution is missing: CI fails loudly, a
developer's run skips with the command that fetches it. Nothing is started here."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

USES_REAL_KEYCLOAK = """
def test_needs_keycloak(real_keycloak):
    pass
"""


def run_without_distribution(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_uses_keycloak.py").write_text(USES_REAL_KEYCLOAK, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["KEYCLOAK_CACHE_DIR"] = str(tmp_path / "empty-cache")  # nothing fetched there
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_ci_fails_loudly_without_keycloak(tmp_path: Path) -> None:
    result = run_without_distribution(tmp_path, ci=True)

    assert result.returncode == 1, result.stdout
    assert "1 error" in result.stdout or "1 failed" in result.stdout
    assert "real Keycloak is required here" in result.stdout
    assert "make services" in result.stdout


def test_a_developer_is_told_how_to_fetch_keycloak(tmp_path: Path) -> None:
    result = run_without_distribution(tmp_path, ci=False)

    assert result.returncode == 0, result.stdout
    assert "1 skipped" in result.stdout
    assert "run `make services`" in result.stdout
