"""Dockerfiles, checked without a Docker engine: multi-stage builds from the uv workspace lock,
a non-root final stage, commands that exist, and build contexts that contain what is copied."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Image:
    dockerfile: str
    package: str | None  # uv workspace package, None for the frontend


IMAGES = [
    Image("reservation-be/Dockerfile", "reservation-be"),
    Image("reservation-event-processor/Dockerfile", "reservation-event-processor"),
    Image("webhook-examples/switch-port/Dockerfile", "switch-port-webhook"),
    Image("webhook-examples/minimal/Dockerfile", "webhook-example-minimal"),
    Image("webhook-examples/server-provisioning/Dockerfile", "server-provisioning-webhook"),
    Image("frontend/Dockerfile", None),
]


def test_every_dockerfile_of_the_repository_is_checked(repo: Path) -> None:
    # Images live in a part's directory: <part>/Dockerfile or webhook-examples/<example>/.
    found = {
        str(path.relative_to(repo))
        for pattern in ("*/Dockerfile", "webhook-examples/*/Dockerfile")
        for path in repo.glob(pattern)
    }
    assert found == {image.dockerfile for image in IMAGES}


def instructions(path: Path) -> list[tuple[str, str]]:
    text = re.sub(r"\\\n\s*", " ", path.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def final_stage(steps: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def workspace_scripts(repo: Path) -> dict[str, str]:
    scripts: dict[str, str] = {}
    for pyproject in repo.glob("**/pyproject.toml"):
        if ".venv" in pyproject.parts or "node_modules" in pyproject.parts:
            continue
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        for script in project.get("scripts", {}):
            scripts[script] = project["name"]
    return scripts


@pytest.mark.parametrize("image", IMAGES, ids=lambda i: i.dockerfile)
def test_image_is_multi_stage_and_runs_as_non_root(image: Image, repo: Path) -> None:
    steps = instructions(repo / image.dockerfile)
    assert sum(1 for keyword, _ in steps if keyword == "FROM") >= 2
    users = [value for keyword, value in final_stage(steps) if keyword == "USER"]
    assert users, "the final stage must switch to a non-root user"
    uid = users[-1].split(":")[0]
    assert uid not in {"0", "root"} and uid.isdigit(), "numeric non-root uid (runAsNonRoot)"


@pytest.mark.parametrize("image", [i for i in IMAGES if i.package], ids=lambda i: i.dockerfile)
def test_python_image_installs_its_package_from_the_frozen_lock(image: Image, repo: Path) -> None:
    runs = [v for k, v in instructions(repo / image.dockerfile) if k == "RUN"]
    syncs = [sync for run in runs for sync in re.findall(r"uv sync ([^&;]*)", run)]
    assert len(syncs) == 2, "dependencies first (cached layer), then the project"
    for sync in syncs:
        assert "--frozen" in sync and f"--package {image.package}" in sync and "--no-dev" in sync
    assert "--no-editable" in syncs[-1], "the runtime stage copies a self-contained venv"


@pytest.mark.parametrize("image", [i for i in IMAGES if i.package], ids=lambda i: i.dockerfile)
def test_image_command_is_a_script_of_its_package(image: Image, repo: Path) -> None:
    steps = final_stage(instructions(repo / image.dockerfile))
    command = [v for k, v in steps if k == "CMD"][-1]
    program = re.findall(r'"([^"]+)"', command)[0]
    if program == "uvicorn":
        return
    assert workspace_scripts(repo).get(program) == image.package


@pytest.mark.parametrize("image", [i for i in IMAGES if i.package], ids=lambda i: i.dockerfile)
def test_build_context_filter_keeps_what_the_dockerfile_copies(image: Image, repo: Path) -> None:
    dockerfile = repo / image.dockerfile
    ignore = Path(f"{dockerfile}.dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [p.strip() for p in ignore if p.strip() and not p.startswith("#")]

    def included(path: str) -> bool:
        keep = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            glob = pattern.removeprefix("!").rstrip("/")
            if fnmatch(path, glob) or path.startswith(glob + "/"):
                keep = negated
        return keep

    copies = [v for k, v in instructions(dockerfile) if k == "COPY" and "--from=" not in v]
    assert copies
    for copy in copies:
        sources = [part for part in copy.split() if not part.startswith("--")][:-1]
        for source in sources:
            assert (repo / source).exists(), f"{source} does not exist"
            assert included(source.rstrip("/")), f"{source} is filtered out of the context"


def test_event_processor_image_copies_no_backend_code(repo: Path) -> None:
    # The workspace needs every member's pyproject.toml to resolve the lock; the code of the API
    # (reservation-be) has no place in the processor's image.
    dockerfile = repo / "reservation-event-processor/Dockerfile"
    copies = [v for k, v in instructions(dockerfile) if k == "COPY" and "--from=" not in v]
    sources = [
        source
        for copy in copies
        for source in [part for part in copy.split() if not part.startswith("--")][:-1]
    ]
    backend = [s for s in sources if s.startswith("reservation-be")]
    assert backend == ["reservation-be/pyproject.toml"]
    assert "reservation-db/" in sources


def test_frontend_image_writes_runtime_config_from_the_environment(repo: Path) -> None:
    script = (repo / "frontend/nginx/40-write-config-js.sh").read_text(encoding="utf-8")
    for key in ("API_URL", "OIDC_ISSUER_URL", "OIDC_CLIENT_ID"):
        assert f'"{key}"' in script
    conf = (repo / "frontend/nginx/default.conf").read_text(encoding="utf-8")
    assert "location = /config.js" in conf and "listen 8081" in conf
    steps = instructions(repo / "frontend/Dockerfile")
    assert any("40-write-config-js.sh /docker-entrypoint.d/" in v for k, v in steps if k == "COPY")


NGINX_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' https://api.example.org https://id.example.org; "
    "frame-src https://id.example.org; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'; object-src 'none'"
)
SECURITY_HEADERS = "include /tmp/frontend-config/security-headers.conf;"


def _write_config(repo: Path, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(repo / "frontend/nginx/40-write-config-js.sh")],
        env={"PATH": os.environ["PATH"], "FRONTEND_CONFIG_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_frontend_image_writes_its_content_security_policy(repo: Path, tmp_path: Path) -> None:
    done = _write_config(
        repo,
        tmp_path,
        FRONTEND_API_URL="https://api.example.org/api/v1",
        FRONTEND_OIDC_ISSUER="https://id.example.org/realms/reservations",
    )
    assert done.returncode == 0, done.stderr
    headers = (tmp_path / "security-headers.conf").read_text(encoding="utf-8")
    assert f'add_header Content-Security-Policy "{NGINX_POLICY}" always;' in headers
    assert 'add_header Referrer-Policy "strict-origin-when-cross-origin" always;' in headers
    assert 'add_header X-Frame-Options "DENY" always;' in headers

    same_origin = _write_config(
        repo, tmp_path, FRONTEND_OIDC_ISSUER="https://id.example.org/realms/reservations"
    )
    assert same_origin.returncode == 0, same_origin.stderr
    policy = (tmp_path / "security-headers.conf").read_text(encoding="utf-8")
    assert "connect-src 'self' https://id.example.org;" in policy


def test_frontend_image_refuses_an_origin_that_would_break_the_header(
    repo: Path, tmp_path: Path
) -> None:
    done = _write_config(repo, tmp_path, FRONTEND_OIDC_ISSUER='https://id.example.org"; evil')
    assert done.returncode != 0
    assert not (tmp_path / "security-headers.conf").exists()


def test_every_nginx_location_keeps_the_security_headers(repo: Path) -> None:
    # nginx forgets the server's add_header lines in a location that sets its own, so each
    # location includes them again (Referrer-Policy and the CSP on every answer).
    conf = (repo / "frontend/nginx/default.conf").read_text(encoding="utf-8")
    body = conf.split("server {", 1)[1]
    locations = re.findall(r"location\s+[^{]+\{([^}]*)\}", body)
    assert len(locations) >= 4
    for block in locations:
        assert SECURITY_HEADERS in block, block
    server_level = re.sub(r"location\s+[^{]+\{[^}]*\}", "", body)
    assert SECURITY_HEADERS in server_level
    assert "add_header Referrer-Policy" not in conf  # only through the included file
