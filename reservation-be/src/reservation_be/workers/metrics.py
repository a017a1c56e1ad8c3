"""Prometheus metrics of the outbox relay, the lifecycle scheduler, the retention worker and the
mail worker.

Registered on the API's registry (``/metrics``) by the runner; a loop built without one (tests,
benchmarks) gets a private registry so that several loops never collide.
"""

from __future__ import annotations

import time
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# From "on time" to "an outage was caught up": seconds, then hours.
LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.published = Counter(
            "reservation_be_relay_published_total",
            "Outbox events confirmed by the broker and marked published",
            registry=r,
        )
        self.publish_failures = Counter(
            "reservation_be_relay_publish_failures_total",
            "Outbox events not confirmed by the broker (kept and published again)",
            ["reason"],
            registry=r,
        )
        self.backlog = Gauge(
            "reservation_be_outbox_backlog",
            "Outbox rows not yet published, as of the relay's last look",
            registry=r,
        )
        self._oldest: float | None = None
        self.oldest_age = Gauge(
            "reservation_be_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none)",
            registry=r,
        )
        self.oldest_age.set_function(self._oldest_age)
        self.broker_connected = Gauge(
            "reservation_be_relay_broker_connected",
            "1 while the outbox relay holds a broker connection, 0 otherwise",
            registry=r,
        )
        self.transitions = Counter(
            "reservation_be_scheduler_transitions_total",
            "Lifecycle events written by the scheduler",
            ["event_type"],
            registry=r,
        )
        self.lateness = Histogram(
            "reservation_be_scheduler_lateness_seconds",
            "How long after its due time the scheduler wrote a lifecycle event",
            ["event_type"],
            buckets=LATENESS_BUCKETS,
            registry=r,
        )

        self.retention_deleted = Counter(
            "reservation_be_retention_deleted_total",
            "Rows deleted by the retention worker, by table",
            ["table"],
            registry=r,
        )
        self.retention_duration = Histogram(
            "reservation_be_retention_pass_seconds",
            "Time a retention pass spent on one table",
            ["table"],
            registry=r,
        )
        self.retention_last_pass = Gauge(
            "reservation_be_retention_last_pass_timestamp_seconds",
            "When this replica's retention worker last completed a pass (Unix time)",
            registry=r,
        )

        self.mail_sent = Counter(
            "reservation_be_mail_sent_total",
            "Mails accepted by the SMTP server, by kind",
            ["kind"],
            registry=r,
        )
        self.mail_retries = Counter(
            "reservation_be_mail_retries_total",
            "Mail attempts that failed transiently and were scheduled again",
            registry=r,
        )
        self.mail_failed = Counter(
            "reservation_be_mail_failed_total",
            "Mails marked failed: permanent (refused, cannot render) or gave_up (attempts spent)",
            ["reason"],
            registry=r,
        )
        self.mail_reminders = Counter(
            "reservation_be_mail_reminders_total",
            "Reminders written (ledger row, notification and queued mail), by kind",
            ["kind"],
            registry=r,
        )

    def set_backlog(self, count: int, oldest: datetime | None) -> None:
        self.backlog.set(count)
        self._oldest = oldest.timestamp() if oldest is not None else None

    def _oldest_age(self) -> float:
        # Computed at scrape time, so the age keeps growing between two looks at the outbox.
        return 0.0 if self._oldest is None else max(0.0, time.time() - self._oldest)
