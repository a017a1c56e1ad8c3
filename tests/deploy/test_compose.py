"""docker-compose.yml, checked without a Docker engine: the Compose specification's JSON schema,
the wiring between services, and the environment names the code reads."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import re
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


def test_keycloak_is_real_keycloak_26_importing_the_realm_file(
    compose: dict[str, Any], repo: Path
) -> None:
    keycloak = compose["services"]["keycloak"]
    assert re.fullmatch(r"quay\.io/keycloak/keycloak:26(\.\d+)*", keycloak["image"])
    assert keycloak["command"][0] == "start-dev"
    assert "--import-realm" in keycloak["command"]
    mounts = [volume.split(":") for volume in keycloak["volumes"]]
    realm_mounts = [m for m in mounts if m[1].startswith("/opt/keycloak/data/import/")]
    assert realm_mounts, "the realm file must be mounted into Keycloak's import directory"
    for source, *_ in realm_mounts:
        assert (repo / source).is_file(), f"{source} is mounted but does not exist"


def test_keycloak_receives_every_variable_the_realm_file_names(
    compose: dict[str, Any], repo: Path
) -> None:
    realm_text = (repo / "keycloak" / "realm-reservations.json").read_text(encoding="utf-8")
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
