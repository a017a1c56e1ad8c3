"""docker-compose.yml, checked without a Docker engine: the Compose specification's JSON schema,
the wiring between services, and the environment names the code reads."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import os
import re
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from deploy.settings_env import unknown_env_names

INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose_schema() -> dict[str, Any]:
    # The Compose specification schema, as vendored (offline) by check-jsonschema.
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema: dict[str, Any] = json.loads(vendored.read_text(encoding="utf-8"))
    return schema


@pytest.fixture(scope="module")
def compose_text(repo: Path) -> str:
    return (repo / "docker-compose.yml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(compose_text)
    return document


def schema_errors(schema: dict[str, Any], document: dict[str, Any]) -> list[str]:
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def decoded(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).decode("utf-8", "replace").lower()
    except binascii.Error:
        return ""


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


def test_compose_file_matches_the_compose_specification(
    compose_schema: dict[str, Any], compose: dict[str, Any]
) -> None:
    assert schema_errors(compose_schema, compose) == []


def test_schema_check_catches_a_misspelt_dependency_condition(
    compose_schema: dict[str, Any], compose: dict[str, Any]
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["backend"]["depends_on"]["migrate"]["condition"] = "service_finished"
    errors = schema_errors(compose_schema, broken)
    assert any("depends_on" in error for error in errors), errors


def test_every_dependency_waits_for_health_or_completion(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on must state conditions"
        for dependency, spec in depends_on.items():
            assert dependency in services, f"{name} depends on unknown service {dependency}"
            condition = spec["condition"]
            assert condition in {"service_healthy", "service_completed_successfully"}, (
                f"{name} -> {dependency}: {condition}"
            )
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], (
                    f"{name} waits for {dependency} to be healthy, but it has no healthcheck"
                )


def test_backend_and_processor_start_only_after_migrations(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["command"] == ["reservation-be", "migrate"]
    assert services["migrate"]["restart"] == "no"
    for name in ("backend", "event-processor"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_keycloak_is_the_pinned_version_importing_the_tests_files(
    compose: dict[str, Any], repo: Path
) -> None:
    keycloak = compose["services"]["keycloak"]
    version = (repo / "keycloak" / "VERSION").read_text(encoding="utf-8").strip()
    assert keycloak["image"] == f"quay.io/keycloak/keycloak:{version}"
    assert keycloak["command"][0] == "start-dev"
    assert "--import-realm" in keycloak["command"]
    mounts = {target: source for source, target, *_ in (v.split(":") for v in keycloak["volumes"])}
    # The same files real_keycloak imports in the tests (reservation_testrealm.real).
    assert mounts["/opt/keycloak/data/import/reservations-realm.json"] == (
        "./keycloak/reservations-realm.json"
    )
    assert mounts["/opt/keycloak/dev-import"] == "./keycloak/dev"
    assert mounts["/opt/keycloak/themes/reservations"] == "./keycloak/themes/reservations"
    assert keycloak["entrypoint"] == ["/opt/keycloak/container-entrypoint.sh"]
    assert mounts["/opt/keycloak/container-entrypoint.sh"] == "./keycloak/container-entrypoint.sh"
    for source in mounts.values():
        assert (repo / source).exists(), f"{source} is mounted but does not exist"


ENTRYPOINT_SECRETS = {
    "KC_BOOTSTRAP_ADMIN_PASSWORD": "a-real-admin-password",
    "KC_DB_PASSWORD": "a-real-db-password",
    "KEYCLOAK_CLIENT_SECRET_RESERVATION_API": "a-real-client-secret",
}


def run_entrypoint(
    repo: Path, tmp_path: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    import_dir = tmp_path / "import"
    return subprocess.run(
        ["bash", str(repo / "keycloak" / "container-entrypoint.sh"), "start-dev", "--import-realm"],
        env={
            "PATH": os.environ["PATH"],
            "KC_SH": "echo",
            "KC_IMPORT_DIR": str(import_dir),
            "DEV_IMPORT_DIR": str(repo / "keycloak" / "dev"),
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("weak", sorted(ENTRYPOINT_SECRETS))
def test_keycloak_refuses_a_dev_default_secret_in_production(
    repo: Path, tmp_path: Path, weak: str
) -> None:
    env = ENTRYPOINT_SECRETS | {"RESERVATION_ENVIRONMENT": "production", weak: "dev-default"}

    result = run_entrypoint(repo, tmp_path, env)

    assert result.returncode == 78
    assert weak in result.stderr
    assert result.stdout == ""  # kc.sh never ran


def test_keycloak_in_production_starts_without_the_demo_users(repo: Path, tmp_path: Path) -> None:
    result = run_entrypoint(
        repo, tmp_path, ENTRYPOINT_SECRETS | {"RESERVATION_ENVIRONMENT": "production"}
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["start-dev", "--import-realm"]
    assert not (tmp_path / "import").exists()


def test_keycloak_in_dev_imports_the_demo_users(repo: Path, tmp_path: Path) -> None:
    result = run_entrypoint(repo, tmp_path, {"RESERVATION_ENVIRONMENT": "dev"})

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "import" / "reservations-users-0.json").is_file()


def test_compose_defaults_to_dev_so_that_production_needs_real_secrets(
    compose: dict[str, Any],
) -> None:
    env = environment(compose["services"]["keycloak"])
    # ${RESERVATION_ENVIRONMENT:-dev}: a production .env must set it, and then the entry point
    # refuses every dev-... default below.
    assert env["RESERVATION_ENVIRONMENT"] == "${RESERVATION_ENVIRONMENT:-dev}"
    assert ":-dev-" in env["KC_BOOTSTRAP_ADMIN_PASSWORD"]
    assert (
        env["RESERVATION_ENVIRONMENT"]
        == environment(compose["services"]["backend"])["RESERVATION_BE_ENVIRONMENT"]
    )


def test_keycloak_receives_every_variable_the_realm_file_names(
    compose: dict[str, Any], repo: Path
) -> None:
    realm_text = (repo / "keycloak" / "reservations-realm.json").read_text(encoding="utf-8")
    placeholders = set(re.findall(r"\$\{([A-Z0-9_]+)", realm_text))
    assert "KEYCLOAK_CLIENT_SECRET_RESERVATION_API" in placeholders, (
        "client secrets in the realm file come from ${...} placeholders"
    )
    missing = placeholders - environment(compose["services"]["keycloak"]).keys()
    assert not missing, f"Keycloak would import these unresolved: {sorted(missing)}"


def test_services_set_only_environment_names_their_settings_read(
    compose: dict[str, Any],
) -> None:
    names = {name for service in compose["services"].values() for name in environment(service)}
    assert any(name.startswith("RESERVATION_BE_") for name in names)
    assert unknown_env_names(names) == {}


def test_env_example_defines_every_variable_compose_interpolates(
    compose_text: str, repo: Path
) -> None:
    used = set(INTERPOLATION.findall(compose_text))
    example = (repo / ".env.example").read_text(encoding="utf-8")
    defined = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if line and not line.startswith("#") and "=" in line
    }
    assert used - defined == set(), "variables compose uses but .env.example does not define"
    assert defined - used == set(), ".env.example defines variables compose never reads"


def test_env_example_marks_its_values_as_dev_defaults(repo: Path) -> None:
    example = (repo / ".env.example").read_text(encoding="utf-8")
    assert "DEV DEFAULT" in example.upper()
    secrets = [
        line
        for line in example.splitlines()
        if re.match(r"^[A-Z_]*(PASSWORD|SECRET)[A-Z_]*=", line)
    ]
    assert secrets
    for line in secrets:
        value = line.split("=", 1)[1].removeprefix("whsec_")
        assert "dev" in value.lower() or "dev" in decoded(value), line


def test_published_ports_bind_to_loopback_only(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on all interfaces"


def test_platform_containers_are_read_only_without_privileges(compose: dict[str, Any]) -> None:
    services = compose["services"]
    built = [
        name
        for name, service in services.items()
        if "reservation-platform/" in service.get("image", "")
    ]
    assert len(built) >= 6
    for name in built:
        service = services[name]
        assert service.get("read_only") is True, name
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        assert service.get("cap_drop") == ["ALL"], name


def interpolated(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME-default}, with ``variables`` as the .env."""

    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(3) or ""
        return variables.get(name) or default

    return re.sub(r"\$\{([A-Z0-9_]+)(:?-([^}]*))?\}", one, value)


def env_example(repo: Path) -> dict[str, str]:
    lines = (repo / ".env.example").read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def webhook_receivers(compose: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Services that verify signed webhooks: they hold a subscription's signing secret."""
    receivers = {}
    for name, service in compose["services"].items():
        env = environment(service)
        if any(key.endswith("WEBHOOK_SECRET") for key in env):
            receivers[name] = env
    return receivers


def test_event_processor_may_call_every_example_receiver(
    compose: dict[str, Any], repo: Path
) -> None:
    allowlist = environment(compose["services"]["event-processor"])["RESERVATION_EP_SSRF_ALLOWLIST"]
    default = interpolated(allowlist, {}).split(",")
    receivers = webhook_receivers(compose)
    assert {"switch-port-webhook", "server-provisioning-webhook", "webhook-minimal"} <= set(
        receivers
    )
    assert set(receivers) <= set(default)
    assert interpolated(allowlist, env_example(repo)).split(",") == default


def test_integrations_use_the_client_secret_keycloak_imports(compose: dict[str, Any]) -> None:
    keycloak = environment(compose["services"]["keycloak"])
    integrations = 0
    for name, service in compose["services"].items():
        env = environment(service)
        # Confidential clients: an id with a secret beside it (the frontend's is public).
        ids = [key for key in env if key.endswith("_CLIENT_ID")]
        for id_key in ids:
            client_id = env[id_key]
            secret = env.get(id_key.removesuffix("_ID") + "_SECRET")
            if secret is None:
                continue
            realm_variable = "KEYCLOAK_CLIENT_SECRET_" + client_id.upper().replace("-", "_")
            assert secret == keycloak[realm_variable], f"{name}: {client_id}"
            integrations += 1
    assert integrations >= 3  # the API, the switch-port and the server-provisioning examples


def test_server_provisioning_settings_load_from_the_compose_environment(
    compose: dict[str, Any], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server_provisioning_webhook.settings import Settings

    service = compose["services"]["server-provisioning-webhook"]
    for variables in ({}, env_example(repo)):  # compose's defaults, then the example .env
        for key, value in environment(service).items():
            monkeypatch.setenv(key, interpolated(value, variables))
        settings = Settings()
        (host,) = settings.hosts.values()
        assert host.bmc_password() == "dev-bmc-password"
        assert "dev-bmc-password" not in repr(settings)
        assert settings.image_allowed(settings.default_image)
    # The durable queue is on a named volume: a re-created container keeps its queued rounds.
    mounts = dict(volume.split(":", 1) for volume in service["volumes"])
    assert mounts["server-provisioning-state"] == str(settings.state_path.parent)
    assert "server-provisioning-state" in compose["volumes"]
    assert service["profiles"] == ["server-provisioning"]  # drives real BMCs: only when asked
