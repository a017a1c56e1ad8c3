"""Dashboards and alert rules as code: they load, every query parses as PromQL, the rules are
well-formed, and the chart ships them. That each metric they name is exported by the running
services is checked against real processes in e2e/test_monitoring.py."""

from __future__ import annotations

import re

import pytest
import yaml

from deploy.chart import REQUIRED, find, merge, objects, render
from deploy.monitoring import (
    DASHBOARDS,
    RULES,
    dashboard,
    dashboard_queries,
    metric_names,
    rule_groups,
)

DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def test_there_is_an_overview_and_one_dashboard_per_service() -> None:
    assert {p.stem for p in DASHBOARDS} == {"overview", "backend", "event-processor"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_dashboard_loads_and_every_query_parses(path) -> None:  # type: ignore[no-untyped-def]
    data = dashboard(path)
    assert data["uid"].startswith("rp-") and data["title"]
    panels = data["panels"]
    assert len({p["id"] for p in panels}) == len(panels), "panel ids repeat"
    queries = dashboard_queries(path)
    assert len(queries) >= len(panels)
    for query in queries:
        assert metric_names(query), f"{path.name}: {query} selects no metric"


def test_dashboards_cover_what_an_operator_watches() -> None:
    names = {n for path in DASHBOARDS for q in dashboard_queries(path) for n in metric_names(q)}
    for needed in (
        "http_requests_total",  # rate, errors, bookings and conflicts per route
        "http_request_duration_seconds_bucket",
        "reservation_be_outbox_backlog",
        "reservation_be_outbox_oldest_unpublished_age_seconds",
        "reservation_be_scheduler_lateness_seconds_bucket",
        "reservation_ep_deliveries_finished_total",
        "reservation_ep_deliveries_due",
        "reservation_ep_subscriptions_disabled_total",
        "reservation_be_provisioning_reports_total",
    ):
        assert needed in names, needed


def test_alert_rules_are_well_formed_and_parse() -> None:
    seen = set()
    for group in rule_groups():
        assert group["name"] and group["rules"]
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            assert rule["alert"] not in seen, f"duplicate alert {rule['alert']}"
            seen.add(rule["alert"])
            assert metric_names(rule["expr"]), rule["alert"]
            if "for" in rule:
                assert DURATION.match(rule["for"]), rule["for"]
            assert rule["labels"]["severity"] in {"critical", "warning", "info"}
            assert rule["annotations"]["summary"]
    assert len(seen) >= 8


def test_a_broken_query_is_caught() -> None:
    with pytest.raises(ValueError):
        metric_names("sum(rate(http_requests_total[5m])")


def test_chart_ships_the_rules_and_dashboards_when_asked() -> None:
    values = merge(
        REQUIRED,
        {
            "monitoring": {
                "prometheusRule": {"enabled": True, "labels": {"release": "kube-prometheus"}},
                "grafanaDashboards": {"enabled": True},
            }
        },
    )
    docs = objects(render(values))
    rule = find(docs, "PrometheusRule", "monitoring")
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus"
    assert rule["spec"] == yaml.safe_load(RULES.read_text())
    maps = [d for d in docs if d["kind"] == "ConfigMap" and "dashboard" in d["metadata"]["name"]]
    assert len(maps) == len(DASHBOARDS)
    for config in maps:
        ((name, body),) = config["data"].items()
        assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
        assert (
            yaml.safe_load(body)["uid"]
            == dashboard(next(p for p in DASHBOARDS if p.name == name))["uid"]
        )


def test_monitoring_objects_are_off_by_default() -> None:
    docs = objects(render(REQUIRED))
    assert not [d for d in docs if d["kind"] == "PrometheusRule"]
