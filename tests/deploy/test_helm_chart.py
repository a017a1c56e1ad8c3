"""The Helm chart, rendered offline by Helm's engine and checked against the Kubernetes JSON
schemas (kubernetes-validate ships them), the values schema, and the chart's own promises:
hardened pods, secrets by reference, migrations as a hook, selectors that select."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import helm_python
import jsonschema
import kubernetes_validate
import pytest
import yaml
from cryptography.fernet import Fernet

from deploy.chart import (
    CHART,
    REQUIRED,
    env_of,
    find,
    manifest,
    merge,
    objects,
    pod_spec,
    render,
)
from deploy.settings_env import unknown_env_names

REPO = CHART.parents[1]
COMPONENT = "app.kubernetes.io/component"

# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion) and the newest schemas shipped.
KUBE_VERSIONS = ["1.27.0", kubernetes_validate.latest_version() + ".0"]

# The server-provisioning example as an operator configures it: hosts without passwords, the
# passwords in a Secret (chart-managed from bmcPasswords, or existingSecret).
SERVER_HOSTS: dict[str, Any] = {
    "node1": {
        "bmc_url": "https://10.0.0.21",
        "system_id": "/redfish/v1/Systems/1",
        "username": "provisioning",
        "address": "10.0.1.21",
    },
    "node2": {
        "bmc_url": "https://10.0.0.22",
        "system_id": "/redfish/v1/Systems/1",
        "username": "provisioning",
        "address": "10.0.1.22",
        "ssh_port": 2222,
        "login_user": "ubuntu",
        "verify_tls": False,
    },
}
SERVER_PROVISIONING: dict[str, Any] = {
    "enabled": True,
    "hosts": SERVER_HOSTS,
    "publicUrl": "http://10.0.1.1:8091",
    "defaultImage": "https://images.example.org/os.iso",
    "allowedImagePrefixes": ["https://images.example.org/"],
    "networkPolicy": {"hostCidrs": ["10.0.1.0/24"]},
}

EXTERNAL: dict[str, Any] = merge(
    REQUIRED,
    {
        "postgresql": {"enabled": False},
        "externalDatabase": {
            "host": "db.internal.example.org",
            "existingSecret": "platform-db",
            "existingSecretPasswordKey": "password",
        },
        "rabbitmq": {"enabled": False},
        "externalRabbitmq": {
            "host": "mq.internal.example.org",
            "port": 5671,
            "vhost": "reservations",
            "tls": True,
            "existingSecret": "platform-mq",
        },
        "externalKeycloak": {
            "internalUrl": "http://keycloak.identity.svc:8080",
            "existingSecret": "platform-keycloak-clients",
            "clientSecrets": {"api": ""},
        },
        "webhookSecretsKey": {"existingSecret": "platform-webhook-key"},
        "ingress": {"enabled": False},
        "backend": {"autoscaling": {"enabled": False}, "replicaCount": 3},
        "eventProcessor": {"autoscaling": {"enabled": False}, "replicaCount": 2},
        "examples": {
            "switchPort": {"enabled": True, "existingSecret": "switch-port-example"},
            "serverProvisioning": {
                **SERVER_PROVISIONING,
                "existingSecret": "server-provisioning-example",
                "persistence": {"existingClaim": "server-provisioning-state"},
            },
        },
        "backup": {"enabled": True, "persistence": {"existingClaim": "platform-backups"}},
    },
)

EXAMPLES: dict[str, Any] = merge(
    REQUIRED,
    {
        "externalKeycloak": {
            "clientSecrets": {
                "switchPort": "not-a-real-secret",
                "serverProvisioning": "not-a-real-secret",
            }
        },
        "examples": {
            "switchPort": {
                "enabled": True,
                "webhookSecret": "whsec_ZGV2LW9ubHktc3dpdGNoLXBvcnQtd2ViaG9vay1zZWM=",
            },
            "serverProvisioning": {
                **SERVER_PROVISIONING,
                "webhookSecret": "whsec_bm90LWEtcmVhbC1zZXJ2ZXItc2VjcmV0",
                "bmcPasswords": {"node1": "not-a-real-bmc-password", "node2": "not-real-either"},
            },
        },
        "frontend": {"autoscaling": {"enabled": True}},
        "backend": {"autoscaling": {"targetMemory": 80}, "pdb": {"minAvailable": 1}},
        "backup": {"enabled": True},
        "monitoring": {"prometheusRule": {"enabled": True}, "grafanaDashboards": {"enabled": True}},
    },
)

BARE: dict[str, Any] = merge(
    REQUIRED,
    {
        "serviceAccount": {"create": False},
        "ingress": {"enabled": False},
        **{
            component: {
                "networkPolicy": {"enabled": False},
                "pdb": {"create": False},
                "autoscaling": {"enabled": False},
            }
            for component in ("backend", "eventProcessor", "frontend")
        },
    },
)

# Evaluation with Keycloak in the release (dev environment only).
WITH_KEYCLOAK: dict[str, Any] = merge(
    REQUIRED,
    {
        "environment": "dev",
        "publicUrl": "https://reservations.example.org",
        "keycloak": {
            "enabled": True,
            "devUsers": True,
            "admin": {"password": "not-a-real-password"},
            "clientSecrets": {"eventProcessor": "not-a-real-secret"},
        },
        "generateSecrets": True,
    },
)
SCENARIOS = {
    "bundled": REQUIRED,
    "external": EXTERNAL,
    "examples": EXAMPLES,
    "bare": BARE,
    "keycloak": WITH_KEYCLOAK,
}
PLATFORM_COMPONENTS = {
    "backend",
    "event-processor",
    "frontend",
    "migrations",
    "switch-port",
    "server-provisioning",
}


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> tuple[str, list[dict[str, Any]]]:
    name: str = request.param
    return name, objects(render(SCENARIOS[name]))


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def component(doc: dict[str, Any]) -> str:
    return str(doc["metadata"]["labels"].get("app.kubernetes.io/component", ""))


# ---------------------------------------------------------------- Kubernetes schemas


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
def test_every_rendered_object_is_valid_kubernetes(
    scenario: tuple[str, list[dict[str, Any]]], kube_version: str
) -> None:
    name, docs = scenario
    assert len(docs) > 10
    errors = []
    for doc in docs:
        if doc["apiVersion"].startswith("monitoring.coreos.com/"):
            continue  # an operator's CRD: checked in test_monitoring.py
        try:
            kubernetes_validate.validate(manifest(doc), kube_version, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{doc['__template__']}: {error.message} at {list(error.path)}")
    assert errors == [], f"{name} on Kubernetes {kube_version}"


def test_schema_validation_catches_a_misspelt_field() -> None:
    docs = objects(render(REQUIRED))
    deployment = manifest(find(docs, "Deployment", "backend"))
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSIONS[-1], strict=True)


def test_chart_lints_without_errors() -> None:
    report = helm_python.lint(CHART, REQUIRED, strict=True, namespace="reservations")
    problems = [m for m in report["messages"] if m["severity"] >= 2]
    assert problems == [] and report["errors"] == []


# ---------------------------------------------------------------- values and their schema


def test_values_yaml_satisfies_values_schema() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    values = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(values)]
    assert errors == []


def test_every_value_is_documented_in_values_yaml_and_the_readme() -> None:
    values_text = (CHART / "values.yaml").read_text(encoding="utf-8")
    readme = (CHART / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"## @param (\S+)", values_text))

    def leaves(node: Any, path: str) -> set[str]:
        if isinstance(node, dict) and node and path.rsplit(".", 1)[-1] not in FREE_FORM:
            return {leaf for key, value in node.items() for leaf in leaves(value, f"{path}.{key}")}
        return {path}

    FREE_FORM = {
        "resources",
        "podSecurityContext",
        "containerSecurityContext",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "switches",
        "labels",
    }
    values = yaml.safe_load(values_text)
    expected = {leaf.lstrip(".") for key, v in values.items() for leaf in leaves(v, key)}
    assert expected - documented == set(), "values without a ## @param line"
    missing_in_readme = {p for p in documented if f"`{p}`" not in readme}
    assert missing_in_readme == set(), "values missing from the README table"


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"environment": "staging"}, "environment"),
        ({"backend": {"replicas": 3}}, "replicas"),
        ({"eventProcessor": {"retrySchedule": "soon"}}, "retrySchedule"),
        ({"externalDatabase": {"sslmode": "sometimes"}}, "sslmode"),
        ({"examples": {"switchPort": {"webhookSecret": "hunter2"}}}, "webhookSecret"),
    ],
)
def test_values_schema_refuses_bad_values(override: dict[str, Any], complaint: str) -> None:
    with pytest.raises(helm_python.HelmError, match=complaint):
        render(merge(REQUIRED, override))


def test_defaults_alone_refuse_to_render_without_an_identity_provider() -> None:
    with pytest.raises(helm_python.HelmError, match=r"externalKeycloak\.url is required"):
        render({})


def test_external_database_needs_a_password_source() -> None:
    values = merge(REQUIRED, {"postgresql": {"enabled": False}, "externalDatabase": {"host": "db"}})
    with pytest.raises(helm_python.HelmError, match=r"externalDatabase\.password"):
        render(values)


# ---------------------------------------------------------------- hardened by default


def test_every_pod_runs_hardened(scenario: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = scenario
    pods = [(d, pod_spec(d)) for d in docs if pod_spec(d) is not None]
    assert pods
    for doc, spec in pods:
        assert spec is not None
        where = doc["__template__"]
        pod_context = spec.get("securityContext", {})
        assert pod_context.get("runAsNonRoot") is True, where
        assert pod_context.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert spec.get("automountServiceAccountToken") is False, where
        assert not spec.get("hostNetwork") and not spec.get("hostPID"), where
        for container in containers(spec):
            context = container.get("securityContext", {})
            assert context.get("runAsNonRoot") is True, where
            assert context.get("readOnlyRootFilesystem") is True, where
            assert context.get("allowPrivilegeEscalation") is False, where
            assert context.get("privileged") is False, where
            assert context.get("capabilities", {}).get("drop") == ["ALL"], where
            assert container["resources"].get("requests"), where
            assert container["resources"].get("limits", {}).get("memory"), where


def test_long_running_platform_containers_have_probes(
    scenario: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = scenario
    for doc in docs:
        if doc["kind"] not in {"Deployment", "StatefulSet"}:
            continue
        main = doc["spec"]["template"]["spec"]["containers"][0]
        assert "readinessProbe" in main, doc["__template__"]
        if component(doc) in {"backend", "event-processor", "frontend"}:
            assert "livenessProbe" in main, doc["__template__"]


# ---------------------------------------------------------------- secrets


SENSITIVE = re.compile(r"PASSWORD|SECRET|_KEY$|SWITCHES")


def secret_mounts(spec: dict[str, Any], container: dict[str, Any]) -> dict[str, str]:
    """Mount path -> Secret name, for the container's mounts of Secret volumes."""
    secrets = {
        v["name"]: v["secret"]["secretName"] for v in spec.get("volumes", []) if "secret" in v
    }
    return {
        m["mountPath"]: secrets[m["name"]]
        for m in container.get("volumeMounts", [])
        if m["name"] in secrets
    }


def test_credentials_reach_pods_only_by_secret_reference(
    scenario: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = scenario
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        for container in containers(spec):
            mounted = secret_mounts(spec, container)
            for name, entry in env_of(container).items():
                if SENSITIVE.search(name) and name.endswith("_FILE"):
                    # A path to the secret, which must be a file of a mounted Secret.
                    directory = entry["value"].rsplit("/", 1)[0]
                    assert directory in mounted, f"{name} is not in a mounted Secret"
                elif SENSITIVE.search(name):
                    assert "secretKeyRef" in entry.get("valueFrom", {}), f"{name} is inline"
                if name.endswith("_URL") and "@" in entry.get("value", ""):
                    assert "$(" in entry["value"], f"{name} carries a literal password"


def test_every_secret_reference_resolves(scenario: tuple[str, list[dict[str, Any]]]) -> None:
    name, docs = scenario
    rendered = {
        d["metadata"]["name"]: set(d.get("data", {})) for d in docs if d["kind"] == "Secret"
    }
    given_by_operator = {
        "platform-db",
        "platform-mq",
        "platform-keycloak-clients",
        "platform-webhook-key",
        "switch-port-example",
        "server-provisioning-example",
    }
    for doc in docs:
        spec = pod_spec(doc)
        if spec is None:
            continue
        for volume in spec.get("volumes", []):
            if "secret" not in volume:
                continue
            secret_name = volume["secret"]["secretName"]
            if secret_name in rendered:
                for item in volume["secret"].get("items", []):
                    assert item["key"] in rendered[secret_name], f"{name}: {item}"
            else:
                assert secret_name in given_by_operator, f"{name}: dangling {volume}"
        for container in containers(spec):
            for entry in env_of(container).values():
                ref = entry.get("valueFrom", {}).get("secretKeyRef")
                if ref is None:
                    continue
                if ref["name"] in rendered:
                    assert ref["key"] in rendered[ref["name"]], f"{name}: {ref}"
                else:
                    assert ref["name"] in given_by_operator, f"{name}: dangling {ref}"


def test_existing_secrets_replace_every_chart_managed_credential() -> None:
    disabled = {"switchPort": {"enabled": False}, "serverProvisioning": {"enabled": False}}
    docs = objects(render(merge(EXTERNAL, {"examples": disabled})))
    assert [d for d in docs if d["kind"] == "Secret"] == []
    # The example's own Secret too: only the PersistentVolumeClaim it was given.
    docs = objects(render(merge(EXTERNAL, {"examples": {"switchPort": {"enabled": False}}})))
    assert [d for d in docs if d["kind"] in {"Secret", "PersistentVolumeClaim"}] == []


WITHOUT_CREDENTIALS = {
    "externalKeycloak": REQUIRED["externalKeycloak"],
}


@pytest.mark.parametrize(
    ("missing", "complaint"),
    [
        ("postgresql", "postgresql.auth.password or postgresql.auth.existingSecret"),
        ("rabbitmq", "rabbitmq.auth.password or rabbitmq.auth.existingSecret"),
        ("webhookSecretsKey", "webhookSecretsKey.value or webhookSecretsKey.existingSecret"),
    ],
)
def test_an_empty_credential_fails_the_render_unless_generation_is_asked_for(
    missing: str, complaint: str
) -> None:
    # Before: the chart generated it with lookup, which `helm template`, Argo CD and Flux cannot
    # do, so each sync rendered a new password or Fernet key (stored secrets then unreadable).
    values = {key: value for key, value in REQUIRED.items() if key != missing}
    with pytest.raises(helm_python.HelmError, match=re.escape(complaint)):
        render(values)


def test_generate_secrets_fills_every_empty_credential() -> None:
    docs = objects(render(merge(WITHOUT_CREDENTIALS, {"generateSecrets": True})))
    secret = next(d for d in docs if d["kind"] == "Secret")
    assert {"database-password", "rabbitmq-password", "webhook-secrets-key"} <= set(secret["data"])


def test_given_credentials_are_used_as_they_are() -> None:
    docs = objects(render(REQUIRED))
    secret = next(d for d in docs if d["kind"] == "Secret")
    key = base64.b64decode(secret["data"]["webhook-secrets-key"]).decode()
    assert key == REQUIRED["webhookSecretsKey"]["value"]
    assert base64.b64decode(secret["data"]["database-password"]).decode() == "not-a-real-password"


def test_generated_webhook_key_is_a_fernet_key() -> None:
    docs = objects(render(merge(WITHOUT_CREDENTIALS, {"generateSecrets": True})))
    secret = next(d for d in docs if d["kind"] == "Secret")
    key = base64.b64decode(secret["data"]["webhook-secrets-key"])
    Fernet(key)  # raises on anything but 32 url-safe base64 bytes


def test_credentials_secret_exists_before_the_migration_hook_runs() -> None:
    external_db = {
        "postgresql": {"enabled": False},
        "externalDatabase": {"host": "db", "password": "pw"},
    }
    docs = objects(render(merge(REQUIRED, external_db)))
    secret = next(d for d in docs if d["kind"] == "Secret")
    job = find(docs, "Job", "migrations")
    secret_hooks = secret["metadata"]["annotations"]["helm.sh/hook"].split(",")
    job_hooks = job["metadata"]["annotations"]["helm.sh/hook"].split(",")
    assert set(job_hooks) <= set(secret_hooks)
    assert int(secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"]
    )


# ---------------------------------------------------------------- migrations


@pytest.mark.parametrize(
    ("values", "hooks"),
    [
        (EXTERNAL, {"pre-install", "pre-upgrade"}),
        # The bundled database is part of the release: it cannot be migrated before it exists.
        (REQUIRED, {"post-install", "pre-upgrade"}),
    ],
)
def test_migrations_run_as_a_hook_before_new_pods(values: dict[str, Any], hooks: set[str]) -> None:
    job = find(objects(render(values)), "Job", "migrations")
    assert set(job["metadata"]["annotations"]["helm.sh/hook"].split(",")) == hooks
    container = job["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["reservation-be", "migrate"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


# ---------------------------------------------------------------- wiring


def test_selectors_select_the_pods_they_mean(scenario: tuple[str, list[dict[str, Any]]]) -> None:
    _, docs = scenario
    pod_labels = [
        (d["kind"], d["metadata"]["name"], d["spec"]["template"]["metadata"]["labels"])
        for d in docs
        if d["kind"] in {"Deployment", "StatefulSet"}
    ] + [
        (
            d["kind"],
            d["metadata"]["name"],
            d["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["labels"],
        )
        for d in docs
        if d["kind"] == "CronJob"
    ]
    deployments = {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}

    def selects(selector: dict[str, str]) -> bool:
        return any(selector.items() <= labels.items() for _, _, labels in pod_labels)

    for doc in docs:
        kind = doc["kind"]
        if kind == "Service":
            assert selects(doc["spec"]["selector"]), doc["__template__"]
        elif kind in {"PodDisruptionBudget", "NetworkPolicy"}:
            selector = doc["spec"]["podSelector" if kind == "NetworkPolicy" else "selector"]
            assert selects(selector.get("matchLabels", {})), doc["__template__"]
        elif kind == "HorizontalPodAutoscaler":
            assert doc["spec"]["scaleTargetRef"]["name"] in deployments
        elif kind == "StatefulSet":
            assert doc["spec"]["serviceName"] in {
                s["metadata"]["name"] for s in docs if s["kind"] == "Service"
            }


def test_autoscaled_deployments_leave_replicas_to_the_hpa() -> None:
    auto = find(objects(render(REQUIRED)), "Deployment", "backend")
    assert "replicas" not in auto["spec"]
    fixed = find(objects(render(EXTERNAL)), "Deployment", "backend")
    assert fixed["spec"]["replicas"] == 3


def test_ingress_routes_api_to_backend_and_the_rest_to_frontend() -> None:
    docs = objects(render(REQUIRED))
    ingress = next(d for d in docs if d["kind"] == "Ingress")
    paths = {
        p["path"]: p["backend"]["service"]["name"]
        for rule in ingress["spec"]["rules"]
        for p in rule["http"]["paths"]
    }
    assert paths["/api"] == find(docs, "Service", "backend")["metadata"]["name"]
    assert paths["/"] == find(docs, "Service", "frontend")["metadata"]["name"]
    assert ingress["spec"]["tls"][0]["hosts"] == ["reservations.example.org"]


def test_external_services_are_wired_from_values() -> None:
    docs = objects(render(EXTERNAL))
    env = env_of(find(docs, "Deployment", "backend")["spec"]["template"]["spec"]["containers"][0])
    assert env["RESERVATION_BE_DATABASE_URL"]["value"] == (
        "postgresql+asyncpg://reservations:$(DATABASE_PASSWORD)"
        "@db.internal.example.org:5432/reservations?ssl=require"
    )
    assert env["RESERVATION_BE_AMQP_URL"]["value"] == (
        "amqps://reservations:$(AMQP_PASSWORD)@mq.internal.example.org:5671/reservations"
    )
    assert (
        env["RESERVATION_BE_OIDC_ISSUER"]["value"] == "https://id.example.org/realms/reservations"
    )
    assert env["RESERVATION_BE_OIDC_DISCOVERY_URL"]["value"] == (
        "http://keycloak.identity.svc:8080/realms/reservations/.well-known/openid-configuration"
    )
    assert not [d for d in docs if d["kind"] == "StatefulSet"]


@pytest.mark.parametrize("example", ["switch-port", "server-provisioning"])
def test_event_processor_may_call_the_in_cluster_example_receiver(example: str) -> None:
    docs = objects(render(EXAMPLES))
    env = env_of(
        find(docs, "Deployment", "event-processor")["spec"]["template"]["spec"]["containers"][0]
    )
    service = find(docs, "Service", example)
    assert service["metadata"]["name"] in env["RESERVATION_EP_SSRF_ALLOWLIST"]["value"].split(",")
    policy = find(docs, "NetworkPolicy", "event-processor")
    port = service["spec"]["ports"][0]["port"]
    assert any(
        rule.get("to", [{}])[0].get("podSelector", {}).get("matchLabels", {}).get(COMPONENT)
        == example
        and rule["ports"][0]["port"] == port
        for rule in policy["spec"]["egress"]
    )


def test_pods_set_only_environment_names_their_settings_read(
    scenario: tuple[str, list[dict[str, Any]]],
) -> None:
    _, docs = scenario
    names = {
        name
        for doc in docs
        if (spec := pod_spec(doc)) is not None and component(doc) in PLATFORM_COMPONENTS
        for container in containers(spec)
        for name in env_of(container)
    }
    assert "RESERVATION_BE_DATABASE_URL" in names
    assert unknown_env_names(names) == {}


def test_notes_tell_where_to_go_and_warn_about_bundled_services() -> None:
    notes = next(text for path, text in render(REQUIRED).items() if path.endswith("NOTES.txt"))
    assert "https://reservations.example.org" in notes
    assert "evaluation only" in notes
    external_notes = next(t for p, t in render(EXTERNAL).items() if p.endswith("NOTES.txt"))
    assert "evaluation only" not in external_notes
    assert "port-forward" in external_notes


# ---------------------------------------------------------------- backups


def test_backup_cronjob_runs_the_shipped_script_against_the_release_database() -> None:
    docs = objects(render(merge(REQUIRED, {"backup": {"enabled": True, "keep": 7}})))
    cron = find(docs, "CronJob", "backup")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    spec = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["command"] == ["/bin/sh", "/scripts/backup.sh"]
    env = env_of(container)
    assert env["PGHOST"]["value"] == find(docs, "Service", "postgresql")["metadata"]["name"]
    assert "secretKeyRef" in env["PGPASSWORD"]["valueFrom"]
    assert env["BACKUP_KEEP"]["value"] == "7"
    config = find(docs, "ConfigMap", "backup")
    shipped = (CHART / "files" / "backup.sh").read_text()
    assert config["data"]["backup.sh"].strip() == shipped.strip()
    claim = find(docs, "PersistentVolumeClaim", "backup")
    assert claim["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["backups"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    # The database lets the backup pod in.
    policy = find(docs, "NetworkPolicy", "postgresql")
    sources = [
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for peer in policy["spec"]["ingress"][0]["from"]
    ]
    assert "backup" in sources


def test_backups_are_off_by_default() -> None:
    docs = objects(render(REQUIRED))
    assert not [d for d in docs if d["kind"] in {"CronJob", "PersistentVolumeClaim"}]


def test_keycloak_is_not_in_the_release_by_default() -> None:
    docs = objects(render(REQUIRED))
    assert not [d for d in docs if d["metadata"].get("labels", {}).get(COMPONENT) == "keycloak"]


def test_bundled_keycloak_is_the_tests_version_with_the_tests_files() -> None:
    docs = objects(render(WITH_KEYCLOAK))
    deployment = find(docs, "Deployment", "keycloak")
    config = find(docs, "ConfigMap", "keycloak")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    version = (REPO / "keycloak" / "VERSION").read_text(encoding="utf-8").strip()

    assert container["image"] == f"quay.io/keycloak/keycloak:{version}"
    assert container["args"][:2] == ["start-dev", "--import-realm"]
    keycloak_dir = REPO / "keycloak"
    files = {
        "reservations-realm.json": keycloak_dir / "reservations-realm.json",
        "reservations-users-0.json": keycloak_dir / "dev" / "reservations-users-0.json",
        "container-entrypoint.sh": keycloak_dir / "container-entrypoint.sh",
        "reservations.css": keycloak_dir
        / "themes/reservations/login/resources/css/reservations.css",
        "messages_it.properties": keycloak_dir
        / "themes/reservations/login/messages/messages_it.properties",
    }
    for key, path in files.items():
        assert config["data"][key] == path.read_text(encoding="utf-8").rstrip("\n"), key
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert "/opt/keycloak/themes/reservations" in mounts
    env = {e["name"]: e for e in container["env"]}
    assert env["RESERVATION_ENVIRONMENT"]["value"] == "dev"
    assert env["KEYCLOAK_FRONTEND_URL"]["value"] == "https://reservations.example.org"
    for client in ("RESERVATION_API", "SWITCH_PORT_WEBHOOK", "SERVER_PROVISIONING_WEBHOOK"):
        assert "secretKeyRef" in env[f"KEYCLOAK_CLIENT_SECRET_{client}"]["valueFrom"]


def test_the_chart_files_are_the_keycloak_directorys() -> None:
    copies = CHART / "files" / "keycloak"
    originals = {path.relative_to(copies): path for path in copies.rglob("*") if path.is_file()}
    source = REPO / "keycloak"
    expected = {
        Path("reservations-realm.json"),
        Path("container-entrypoint.sh"),
        *(Path("dev") / p.name for p in (source / "dev").glob("*.json")),
        *(
            Path("themes") / p.relative_to(source / "themes")
            for p in (source / "themes").rglob("*")
            if p.is_file()
        ),
    }
    assert set(originals) == expected, "run scripts/keycloak.sh sync-chart"
    for relative, copy in originals.items():
        assert copy.read_bytes() == (source / relative).read_bytes(), (
            f"{relative} differs from keycloak/: run scripts/keycloak.sh sync-chart"
        )


def test_the_dev_users_are_imported_only_when_asked_for() -> None:
    values = merge(WITH_KEYCLOAK, {"keycloak": {"devUsers": False}})
    config = find(objects(render(values)), "ConfigMap", "keycloak")
    assert "reservations-users-0.json" not in config["data"]


def test_bundled_keycloak_is_refused_in_production() -> None:
    values = merge(WITH_KEYCLOAK, {"environment": "production"})
    with pytest.raises(helm_python.HelmError, match="for evaluation only"):
        render(values)


@pytest.mark.parametrize(
    ("override", "named"),
    [
        ({"postgresql": {"auth": {"password": "dev-postgres-password"}}}, "database-password"),
        ({"externalKeycloak": {"clientSecrets": {"api": "dev-secret-reservation-api"}}}, "api"),
        (
            {"webhookSecretsKey": {"value": "ZGV2LW9ubHktd2ViaG9vay1zZWNyZXRzLWtleS0wMDA="}},
            "webhook-secrets-key",
        ),
    ],
)
def test_production_refuses_a_dev_default_secret(override: dict[str, Any], named: str) -> None:
    # Before: the chart rendered them; only the backend refused some of them once it started.
    with pytest.raises(helm_python.HelmError, match=f"refuses {named}"):
        render(merge(REQUIRED, override))
    render(merge(REQUIRED, {**override, "environment": "dev"}))  # a trial may use them


# ---------------------------------------------------------------- Kubernetes API rights


def test_no_pod_gets_kubernetes_api_rights(scenario: tuple[str, list[dict[str, Any]]]) -> None:
    # The original server-provisioning integration read every Secret of the cluster. Here no
    # component talks to the API: no Role or binding at all, no token in any pod or account.
    _, docs = scenario
    rbac = {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"}
    assert [d["__template__"] for d in docs if d["kind"] in rbac] == []
    for doc in docs:
        if doc["kind"] == "ServiceAccount":
            assert doc["automountServiceAccountToken"] is False, doc["__template__"]
        spec = pod_spec(doc)
        if spec is not None:
            assert spec["automountServiceAccountToken"] is False, doc["__template__"]


# ---------------------------------------------------------------- server-provisioning example


def test_server_provisioning_is_off_by_default() -> None:
    docs = objects(render(REQUIRED))
    assert not [d for d in docs if component(d) == "server-provisioning"]


def test_server_provisioning_reads_bmc_passwords_only_from_mounted_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server_provisioning_webhook.settings import Settings

    docs = objects(render(EXAMPLES))
    deployment = find(docs, "Deployment", "server-provisioning")
    spec = deployment["spec"]["template"]["spec"]
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"]["type"] == "Recreate"
    account = find(docs, "ServiceAccount", "server-provisioning")
    assert spec["serviceAccountName"] == account["metadata"]["name"]
    (container,) = spec["containers"]
    env = env_of(container)
    hosts = json.loads(env["SERVER_PROV_HOSTS"]["value"])
    assert set(hosts) == set(SERVER_HOSTS)
    rendered_text = yaml.safe_dump([manifest(d) for d in docs if d["kind"] != "Secret"])
    for password in EXAMPLES["examples"]["serverProvisioning"]["bmcPasswords"].values():
        assert password not in rendered_text  # only in the Secret
    (mount_path, secret_name), *others = secret_mounts(spec, container).items()
    assert others == []
    secret = find(docs, "Secret", "server-provisioning")
    assert secret["metadata"]["name"] == secret_name

    # The receiver, given the pod's environment and the Secret's files, knows every host with
    # its BMC password.
    files = tmp_path / "secrets"
    files.mkdir()
    for key, value in secret["data"].items():
        (files / key).write_bytes(base64.b64decode(value))
    for name, entry in env.items():
        if "value" in entry:
            monkeypatch.setenv(name, entry["value"].replace(mount_path, str(files)))
    monkeypatch.setenv("SERVER_PROV_CLIENT_SECRET", "from-the-keycloak-secret")
    settings = Settings()
    assert settings.hosts["node1"].bmc_password() == "not-a-real-bmc-password"
    assert settings.hosts["node2"].bmc_password() == "not-real-either"
    assert settings.hosts["node2"].ssh_port == 2222
    assert settings.secret() == "whsec_bm90LWEtcmVhbC1zZXJ2ZXItc2VjcmV0"
    assert settings.state_path.parent.as_posix() in {
        m["mountPath"] for m in container["volumeMounts"]
    }
    claim = find(docs, "PersistentVolumeClaim", "server-provisioning")
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["state"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]


def test_server_provisioning_with_an_existing_secret_mounts_one_key_per_host() -> None:
    docs = objects(render(EXTERNAL))
    spec = find(docs, "Deployment", "server-provisioning")["spec"]["template"]["spec"]
    volume = next(v for v in spec["volumes"] if "secret" in v)["secret"]
    assert volume["secretName"] == "server-provisioning-example"
    assert {item["key"] for item in volume["items"]} == {
        "webhook-secret",
        "bmc-node1",
        "bmc-node2",
    }
    claims = {
        v["persistentVolumeClaim"]["claimName"]
        for v in spec["volumes"]
        if "persistentVolumeClaim" in v
    }
    assert claims == {"server-provisioning-state"}


def test_server_provisioning_seeds_reach_only_the_hosts_networks() -> None:
    policy = find(objects(render(EXAMPLES)), "NetworkPolicy", "server-provisioning")
    (rule,) = policy["spec"]["ingress"]
    sources = rule["from"]
    assert {"ipBlock": {"cidr": "10.0.1.0/24"}} in sources
    pods = [s["podSelector"]["matchLabels"][COMPONENT] for s in sources if "podSelector" in s]
    assert pods == ["event-processor"]


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"hosts": {}}, r"serverProvisioning\.hosts is required"),
        ({"publicUrl": ""}, r"serverProvisioning\.publicUrl"),
        ({"bmcPasswords": {"node1": "only-one"}}, r"bmcPasswords\.node2"),
        ({"allowedImagePrefixes": ["https://other.example.org/"]}, "allowedImagePrefixes"),
        ({"networkPolicy": {"hostCidrs": []}}, "hostCidrs is required"),
        # A password in the host list would land in the pod spec: the schema refuses it.
        (
            {"hosts": {"node1": {**SERVER_HOSTS["node1"], "password": "inline"}}},
            "password",
        ),
        ({"hosts": {"node 1": SERVER_HOSTS["node1"]}}, "node 1"),
    ],
)
def test_server_provisioning_refuses_an_incomplete_configuration(
    override: dict[str, Any], complaint: str
) -> None:
    example = {**EXAMPLES["examples"]["serverProvisioning"], **override}
    values = {**EXAMPLES, "examples": {**EXAMPLES["examples"], "serverProvisioning": example}}
    with pytest.raises(helm_python.HelmError, match=complaint):
        render(values)
