"""Every metric the dashboards and alert rules read is one the running services export.

Scraped from the real backend and event processor of the e2e platform (started with their
production commands), so a renamed or dropped metric fails here rather than on an operator's
empty panel."""

from __future__ import annotations

import httpx
from deploy.monitoring import PROMETHEUS_OWN, all_queries, exported_names, metric_names

from e2e.conftest import Platform


async def test_dashboards_and_alerts_read_only_metrics_the_services_export(
    platform: Platform,
) -> None:
    processor_base = platform.processor.ready_url.rsplit("/", 1)[0]
    async with httpx.AsyncClient(timeout=10) as client:
        backend = await client.get(f"{platform.api_url}/metrics")
        processor = await client.get(f"{processor_base}/metrics")
    assert backend.status_code == 200, backend.text[:200]
    assert processor.status_code == 200, processor.text[:200]
    exported = exported_names(backend.text) | exported_names(processor.text) | PROMETHEUS_OWN

    wanted = {name for query in all_queries() for name in metric_names(query)}
    assert wanted, "no query found"
    assert sorted(wanted - exported) == []
