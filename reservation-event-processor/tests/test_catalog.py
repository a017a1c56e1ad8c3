"""The event catalog in docs/events/ is generated, current, and matches what is delivered."""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
import yaml
from delivery_helpers import publish
from factories import (
    create_site,
    create_subscription,
    ping_event,
    reservation_event,
    resource_event,
)
from jsonschema import Draft202012Validator, ValidationError
from reservation_common.crypto import SecretBox
from reservation_common.events import RESERVATION_EVENT_TYPES, Event, EventType
from reservation_db.models.webhook_delivery import WebhookDelivery
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

CATALOG = Path(__file__).resolve().parents[2] / "docs" / "events"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("events_catalog", CATALOG / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def validator(event_type: str) -> Draft202012Validator:
    schema = json.loads((CATALOG / "schemas" / f"{event_type}.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_committed_catalog_is_what_generate_py_produces() -> None:
    for rel, content in load_generator().render().items():
        path = CATALOG / rel
        assert path.exists(), f"{rel} missing: run docs/events/generate.py"
        assert path.read_text() == content, f"{rel} is stale: run docs/events/generate.py"


def test_asyncapi_lists_every_event_type_with_its_schema() -> None:
    doc = yaml.safe_load((CATALOG / "asyncapi.yaml").read_text())
    assert doc["asyncapi"].startswith("3.")
    messages = doc["components"]["messages"]
    assert set(messages) == {t.value for t in EventType}
    for name, message in messages.items():
        ref = message["payload"]["$ref"]
        assert (CATALOG / ref).resolve() == (CATALOG / "schemas" / f"{name}.json").resolve()
    assert set(doc["channels"]["reservationEvents"]["messages"]) == set(messages)


def sample_events(site: Any, sub_id: Any) -> list[Event]:
    events = [reservation_event(site, type_=t) for t in sorted(RESERVATION_EVENT_TYPES)]
    events.append(resource_event(site))
    events.append(ping_event(site, sub_id))
    return events


async def test_payloads_the_processor_sends_validate_against_the_catalog(
    sm: async_sessionmaker[AsyncSession], box: SecretBox
) -> None:
    site = await create_site(sm)
    sub, _ = await create_subscription(sm, box, site=site)
    events = sample_events(site, sub.id)
    for event in events:
        assert await publish(sm, event) == 1
    async with sm() as session:
        rows = (await session.execute(select(WebhookDelivery))).scalars().all()
    assert len(rows) == len(events)
    for row in rows:
        # The exact bytes a receiver gets are json.dumps of the stored payload.
        body = json.loads(json.dumps(row.payload, separators=(",", ":")))
        validator(row.event_type).validate(body)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda e: e.update(extra=1),
        lambda e: e.update(type="reservation.ended"),
        lambda e: e["data"]["reservation"].pop("period"),
        lambda e: e["data"]["reservation"].update(id="not-a-uuid"),
    ],
)
def test_catalog_refuses_malformed_events(tamper: Any) -> None:
    site = SimpleNamespace(id=uuid.uuid4(), slug="s", name="S")
    event = reservation_event(site).model_dump(mode="json")  # type: ignore[arg-type]
    validator("reservation.started").validate(event)
    tamper(event)
    with pytest.raises(ValidationError):
        validator("reservation.started").validate(event)
