"""The monitoring-as-code files of the chart and the metric names their PromQL reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import promql_parser
import yaml

from deploy.chart import CHART

DASHBOARDS = sorted((CHART / "dashboards").glob("*.json"))
RULES = CHART / "files" / "prometheus-rules.yaml"
# Series Prometheus makes itself rather than scraping them from a service.
PROMETHEUS_OWN = {"up", "scrape_duration_seconds", "scrape_samples_scraped"}


def dashboard(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def dashboard_queries(path: Path) -> list[str]:
    return [
        target["expr"]
        for panel in dashboard(path)["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]


def rule_groups() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(RULES.read_text())["groups"]
    return groups


def rule_queries() -> list[str]:
    return [rule["expr"] for group in rule_groups() for rule in group["rules"]]


def all_queries() -> list[str]:
    return [q for path in DASHBOARDS for q in dashboard_queries(path)] + rule_queries()


def metric_names(query: str) -> set[str]:
    """Names of the series a PromQL expression selects (parsing it, so a typo fails here)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if node is None or isinstance(node, (str, int, float, bool)):
            return
        if type(node).__name__ == "VectorSelector":
            if node.name:
                names.add(node.name)
            return
        for attr in ("expr", "lhs", "rhs", "param", "vector_selector"):
            if hasattr(node, attr):
                walk(getattr(node, attr))
        for arg in getattr(node, "args", None) or []:
            walk(arg)

    walk(promql_parser.parse(query))
    return names


def exported_names(exposition: str) -> set[str]:
    """Every series name a /metrics page can produce, including metrics with no sample yet."""
    from prometheus_client.parser import text_string_to_metric_families

    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        names.add(family.name)
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_count", "_sum", "_created"),
            "summary": ("_count", "_sum", "_created"),
        }.get(family.type, ())
        names.update(family.name + suffix for suffix in suffixes)
        names.update(sample.name for sample in family.samples)
    return names
