"""Prometheus metrics of the event processor (served on ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter(
    "reservation_ep_events_consumed_total", "Events taken from the transport", ["outcome"]
)
DELIVERIES_CREATED = Counter(
    "reservation_ep_deliveries_created_total", "Deliveries created by the fan-out"
)
DELIVERIES_FINISHED = Counter(
    "reservation_ep_deliveries_finished_total", "Deliveries that reached a final status", ["status"]
)
ATTEMPTS = Counter("reservation_ep_attempts_total", "HTTP attempts by outcome", ["outcome"])
ATTEMPT_SECONDS = Histogram(
    "reservation_ep_attempt_duration_seconds",
    "Duration of one HTTP attempt",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15),
)
DELIVERY_LATENCY_SECONDS = Histogram(
    "reservation_ep_delivery_latency_seconds",
    "From the event's timestamp to the successful attempt",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 7200, 36000),
)
QUEUE_LAG_SECONDS = Gauge(
    "reservation_ep_queue_lag_seconds", "Age of the last event taken from the transport"
)
IN_FLIGHT = Gauge("reservation_ep_attempts_in_flight", "HTTP attempts running now")
SUBSCRIPTIONS_DISABLED = Counter(
    "reservation_ep_subscriptions_disabled_total", "Subscriptions disabled", ["reason"]
)
DELIVERIES_DUE = Gauge("reservation_ep_deliveries_due", "Pending deliveries whose time has come")
OLDEST_DUE_SECONDS = Gauge(
    "reservation_ep_oldest_due_seconds", "How long the oldest due delivery has been waiting"
)
RATE_LIMIT_DEFERRED = Counter(
    "reservation_ep_rate_limit_deferred_total",
    "Claimed deliveries given back unsent: their rate-limit slot was beyond the lease",
)
QUEUE_ARGUMENTS_OUTDATED = Gauge(
    "reservation_ep_queue_arguments_outdated",
    "1 while the queue exists with other arguments than configured (no delivery limit)",
)
