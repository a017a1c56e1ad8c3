"""Generate the event catalog from the pydantic models in ``reservation_common.events``.

    uv run python docs/events/generate.py          # rewrite asyncapi.yaml and schemas/
    uv run python docs/events/generate.py --check  # exit 1 when the committed files are stale

Never edit the generated files by hand: change the models (or the descriptions below) and run
this script; a test fails when the committed catalog differs from what it generates.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml
from reservation_common.events import DATA_MODELS, EventType

HERE = Path(__file__).resolve().parent
SCHEMA_DIR = "schemas"

DESCRIPTIONS: dict[EventType, str] = {
    EventType.RESERVATION_CREATED: "A reservation was booked (status pending or confirmed).",
    EventType.RESERVATION_UPDATED: (
        "A reservation's title, period, resource, parameters or co-users changed; status pending"
        " again (previous_status confirmed) when the change needs approval. data.co_users is the"
        " list after the change: revoke access of a co-user no longer listed."
    ),
    EventType.RESERVATION_APPROVED: "A pending reservation was approved (now confirmed).",
    EventType.RESERVATION_REJECTED: "A pending reservation was rejected; its slots are freed.",
    EventType.RESERVATION_CANCELLED: (
        "A reservation was cancelled; when it was active, tear down now. data.cause says when the"
        " platform cancelled it: maintenance (a maintenance window took the period), idle (not"
        " checked in in time) or unconfirmed (booked from the waitlist, not confirmed in time)."
    ),
    EventType.RESERVATION_STARTING: (
        "The type's lead time before the start has been reached: provision now."
    ),
    EventType.RESERVATION_STARTED: "The reservation's period began (status active).",
    EventType.RESERVATION_ENDING_SOON: (
        "The reservation ends soon (configurable, default 15 min). Emitted even when late (after"
        " an outage, just before reservation.ended): check due_at and the period's end."
    ),
    EventType.RESERVATION_ENDED: "The reservation's period is over (status completed): tear down.",
    EventType.RESERVATION_PROVISIONING_CHANGED: (
        "An integration reported provisioning progress for the reservation."
    ),
    EventType.RESERVATION_RELEASED: (
        "An active reservation was released early (status completed, the period now ends at the"
        " release; cause released); reservation.ended follows: tear down."
    ),
    EventType.RESERVATION_FAILED: (
        "An integration reported that provisioning failed (status failed, cause"
        " provisioning_failed, the integration's message in provisioning.message). The type"
        " says whether the slots were released at once or kept until the end."
    ),
    EventType.RESOURCE_CREATED: "A resource was created.",
    EventType.RESOURCE_UPDATED: "A resource's name, attributes, type or parent changed.",
    EventType.RESOURCE_DELETED: "A resource was deleted.",
    EventType.RESOURCE_STATUS_CHANGED: "A resource went active, into maintenance or retired.",
    EventType.WEBHOOK_PING: "A test event sent on request to one subscription only.",
    EventType.RESERVATION_SERIES_CREATED: (
        "A recurring series was booked: the occurrences booked (each also emits its own"
        " reservation.created) and, with skip-conflicts, the ones skipped and why."
    ),
    EventType.RESERVATION_SERIES_UPDATED: (
        "Occurrences of a series changed or were cancelled (scope this, following or all);"
        " each changed occurrence also emits its own reservation event."
    ),
    EventType.RESERVATION_SERIES_CANCELLED: (
        "A series was cancelled: none of its occurrences holds slots any more (each"
        " cancelled occurrence also emits reservation.cancelled)."
    ),
}

STANDARD_WEBHOOKS_HEADERS: dict[str, Any] = {
    "type": "object",
    "required": ["webhook-id", "webhook-timestamp", "webhook-signature"],
    "properties": {
        "webhook-id": {
            "type": "string",
            "pattern": "^msg_[0-9a-f]+$",
            "description": "The delivery's id: the same on every retry; receivers dedupe on it.",
        },
        "webhook-timestamp": {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "Seconds since the epoch when this attempt was signed.",
        },
        "webhook-signature": {
            "type": "string",
            "description": (
                "Space-separated `v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per active "
                "secret of the subscription (several while a secret is rotated)."
            ),
        },
        "traceparent": {
            "type": "string",
            "pattern": "^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$",
            "description": (
                "W3C Trace Context of this attempt, only when the event processor runs with "
                "tracing on (`RESERVATION_EP_TRACING_ENABLED`); not signed. A receiver that "
                "traces continues the event's trace from it (docs/operations.md, Tracing)."
            ),
        },
        "tracestate": {
            "type": "string",
            "description": "W3C Trace Context vendor state, sent with `traceparent` when set.",
        },
    },
}


def event_schema(event_type: EventType) -> dict[str, Any]:
    model = DATA_MODELS[event_type]
    data = model.model_json_schema(ref_template="#/$defs/{model}")
    defs = data.pop("$defs", {})
    defs[model.__name__] = data
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{event_type.value}.json",
        "title": event_type.value,
        "description": DESCRIPTIONS[event_type],
        "type": "object",
        "required": ["id", "type", "timestamp", "data"],
        "additionalProperties": False,
        "properties": {
            "id": {
                "type": "string",
                "pattern": "^evt_[0-9A-Za-z]+$",
                "description": "The event id, stable across relays, retries and redeliveries.",
            },
            "type": {"const": event_type.value},
            "timestamp": {"type": "string", "format": "date-time"},
            "data": {"$ref": f"#/$defs/{model.__name__}"},
        },
        "$defs": dict(sorted(defs.items())),
    }


def asyncapi() -> dict[str, Any]:
    refs = {t.value: {"$ref": f"#/components/messages/{t.value}"} for t in EventType}
    messages = {
        t.value: {
            "name": t.value,
            "title": t.value,
            "summary": DESCRIPTIONS[t],
            "contentType": "application/json",
            "payload": {"$ref": f"./{SCHEMA_DIR}/{t.value}.json"},
            "bindings": {"amqp": {"messageType": t.value, "deliveryMode": 2}},
        }
        for t in EventType
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Reservation platform events",
            "version": "1.0.0",
            "description": (
                "Lifecycle events of reservations and resources. The backend writes each event "
                "to its outbox in the transaction of the change; the outbox relay publishes it "
                "to RabbitMQ; the event processor fans it out to the matching webhook "
                "subscriptions and POSTs it, signed per Standard Webhooks. Every message has the "
                'same envelope: {"id", "type", "timestamp", "data"}. Generated by '
                "docs/events/generate.py from reservation_common.events."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": "rabbitmq:5672",
                "protocol": "amqp",
                "protocolVersion": "0-9-1",
                "description": "The platform's broker (dev default; see docs/contracts.md).",
            }
        },
        "channels": {
            "reservationEvents": {
                "address": "reservations.events",
                "description": (
                    "Durable topic exchange; routing key = event type; message id = event id; "
                    "persistent messages. The event processor reads the quorum queue "
                    "`reservation-event-processor` bound with `#`. With tracing on, the message "
                    "headers `traceparent` and `tracestate` (W3C Trace Context) carry the relay's "
                    "publish span, child of the request that wrote the event."
                ),
                "messages": refs,
                "bindings": {
                    "amqp": {
                        "is": "routingKey",
                        "exchange": {
                            "name": "reservations.events",
                            "type": "topic",
                            "durable": True,
                            "autoDelete": False,
                            "vhost": "/",
                        },
                    }
                },
            },
            "webhook": {
                "address": "{subscriptionUrl}",
                "description": (
                    "HTTP POST of the event (the body is the envelope) to every matching webhook "
                    "subscription, with the Standard Webhooks headers. 2xx acknowledges; 410 "
                    "disables the subscription; anything else is retried on the schedule."
                ),
                "parameters": {
                    "subscriptionUrl": {"description": "The URL of the webhook subscription."}
                },
                "messages": refs,
                "bindings": {"http": {"method": "POST"}},
            },
        },
        "operations": {
            "publishEvent": {
                "action": "send",
                "summary": "The backend's outbox relay publishes committed events.",
                "channel": {"$ref": "#/channels/reservationEvents"},
                "messages": [
                    {"$ref": f"#/channels/reservationEvents/messages/{t.value}"} for t in EventType
                ],
            },
            "consumeEvent": {
                "action": "receive",
                "summary": "The event processor consumes events and records their fan-out.",
                "channel": {"$ref": "#/channels/reservationEvents"},
                "messages": [
                    {"$ref": f"#/channels/reservationEvents/messages/{t.value}"} for t in EventType
                ],
            },
            "deliverWebhook": {
                "action": "send",
                "summary": "The event processor POSTs each delivery, signed, retried durably.",
                "channel": {"$ref": "#/channels/webhook"},
                "messages": [{"$ref": f"#/channels/webhook/messages/{t.value}"} for t in EventType],
                "traits": [{"$ref": "#/components/operationTraits/standardWebhooks"}],
            },
        },
        "components": {
            "messages": messages,
            "operationTraits": {
                "standardWebhooks": {
                    "summary": "Standard Webhooks headers on every webhook request.",
                    "bindings": {"http": {"method": "POST"}},
                }
            },
            "schemas": {"StandardWebhooksHeaders": STANDARD_WEBHOOKS_HEADERS},
        },
    }


def render() -> dict[str, str]:
    """Relative path -> file content, for every generated file."""
    files = {
        "asyncapi.yaml": yaml.safe_dump(asyncapi(), sort_keys=False, width=100),
    }
    for t in EventType:
        files[f"{SCHEMA_DIR}/{t.value}.json"] = json.dumps(event_schema(t), indent=2) + "\n"
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    stale = []
    for rel, content in render().items():
        path = HERE / rel
        if path.exists() and path.read_text() == content:
            continue
        stale.append(rel)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
    if args.check and stale:
        print("stale event catalog files: " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
