"""Tracing in the chart: off by default, and when on both services get the same collector and
sampler through the standard OpenTelemetry variables."""

from __future__ import annotations

from typing import Any

from deploy.chart import REQUIRED, env_of, find, merge, objects, render

SERVICES = {"backend": "RESERVATION_BE_", "event-processor": "RESERVATION_EP_"}


def _env(values: dict[str, Any], component: str) -> dict[str, dict[str, Any]]:
    deployment = find(objects(render(values)), "Deployment", component)
    return env_of(deployment["spec"]["template"]["spec"]["containers"][0])


def test_tracing_is_off_by_default_and_sets_no_exporter() -> None:
    for component, prefix in SERVICES.items():
        env = _env(REQUIRED, component)
        assert env[f"{prefix}TRACING_ENABLED"]["value"] == "false"
        assert not [name for name in env if name.startswith("OTEL_")]


def test_tracing_on_points_both_services_at_the_collector_with_the_sampler() -> None:
    values = merge(
        REQUIRED,
        {
            "tracing": {
                "enabled": True,
                "otlpEndpoint": "http://otel-collector.observability:4318",
                "sampleRatio": 0.25,
            }
        },
    )
    for component, prefix in SERVICES.items():
        env = _env(values, component)
        assert env[f"{prefix}TRACING_ENABLED"]["value"] == "true"
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"]["value"] == (
            "http://otel-collector.observability:4318"
        )
        assert env["OTEL_TRACES_SAMPLER"]["value"] == "parentbased_traceidratio"
        assert env["OTEL_TRACES_SAMPLER_ARG"]["value"] == "0.25"
