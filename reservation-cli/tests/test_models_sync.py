"""The CLI's models stay equal to the backend's OpenAPI components they mirror."""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

import pytest
from reservation_be.main import create_app
from reservation_be.settings import Settings
from reservation_cli.models import OPENAPI_NAMES, ApiModel


@pytest.fixture(scope="module")
def components() -> dict[str, Any]:
    schema = create_app(Settings()).openapi()
    return dict(schema["components"]["schemas"])


def _nullable(prop: dict[str, Any]) -> bool:
    return any(option.get("type") == "null" for option in prop.get("anyOf", []))


def _optional(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


@pytest.mark.parametrize(
    ("model", "name"), [pytest.param(m, n, id=n) for m, n in OPENAPI_NAMES.items()]
)
def test_model_matches_the_openapi_component(
    model: type[ApiModel], name: str, components: dict[str, Any]
) -> None:
    component = components[name]
    properties: dict[str, Any] = component["properties"]

    assert set(model.model_fields) == set(properties), "fields differ from the API's"
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert required == set(component.get("required", [])), "required fields differ"
    for field_name, field in model.model_fields.items():
        assert _optional(field.annotation) == _nullable(properties[field_name]), field_name


def test_every_read_model_the_cli_shows_is_mirrored(components: dict[str, Any]) -> None:
    mirrored = set(OPENAPI_NAMES.values())
    for needed in ("ReservationRead", "ResourceRead", "SiteOut", "MeOut", "BusyPeriod",
                   "WebhookRead", "DeliveryRead", "ClientConfig"):  # fmt: skip
        assert needed in mirrored
        assert needed in components
