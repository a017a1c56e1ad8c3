"""Render the Helm chart offline (Helm's own engine, through helm-python-sdk) into objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python
import yaml

CHART = Path(__file__).resolve().parents[2] / "helm" / "reservation-platform"
RELEASE = "demo"
NAMESPACE = "reservations"

# The smallest values an operator must give: the identity provider, the API client's secret and
# the credentials of the chart-managed Secret (or existingSecrets, or generateSecrets=true).
REQUIRED: dict[str, Any] = {
    "externalKeycloak": {
        "url": "https://id.example.org",
        "clientSecrets": {"api": "not-a-real-secret"},
    },
    "postgresql": {"auth": {"password": "not-a-real-password"}},
    "rabbitmq": {"auth": {"password": "not-a-real-password"}},
    "webhookSecretsKey": {"value": "bm90LWEtcmVhbC1rZXktbm90LWEtcmVhbC1rZXktMDA="},
}


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def render(values: dict[str, Any], *, upgrade: bool = False) -> dict[str, str]:
    """Template path -> rendered text (NOTES.txt included)."""
    with helm_python.Chart.load(CHART) as chart:
        return chart.render(
            values=values,
            name=RELEASE,
            namespace=NAMESPACE,
            is_install=not upgrade,
            is_upgrade=upgrade,
        )


def objects(rendered: dict[str, str]) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path, text in sorted(rendered.items()):
        if path.endswith("NOTES.txt"):
            continue
        for doc in yaml.safe_load_all(text):
            if doc:
                doc.setdefault("metadata", {}).setdefault("annotations", {})
                doc["__template__"] = path
                docs.append(doc)
    return docs


def manifest(doc: dict[str, Any]) -> dict[str, Any]:
    """The object as Kubernetes receives it (without the bookkeeping key, empty annotations)."""
    clean = {key: value for key, value in doc.items() if key != "__template__"}
    metadata = dict(clean["metadata"])
    if not metadata.get("annotations"):
        metadata.pop("annotations", None)
    clean["metadata"] = metadata
    return clean


def pod_spec(doc: dict[str, Any]) -> dict[str, Any] | None:
    if doc["kind"] in {"Deployment", "StatefulSet", "Job"}:
        spec: dict[str, Any] = doc["spec"]["template"]["spec"]
        return spec
    if doc["kind"] == "CronJob":
        cron_spec: dict[str, Any] = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        return cron_spec
    return None


def find(docs: list[dict[str, Any]], kind: str, component: str) -> dict[str, Any]:
    matches = [
        d
        for d in docs
        if d["kind"] == kind
        and d["metadata"].get("labels", {}).get("app.kubernetes.io/component") == component
    ]
    assert len(matches) == 1, f"expected one {kind} of {component}, found {len(matches)}"
    return matches[0]


def env_of(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in container.get("env", [])}
