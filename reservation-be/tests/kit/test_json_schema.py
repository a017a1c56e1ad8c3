"""kit.json_schema: draft 2020-12 with RE2 patterns and a CPU budget."""

from __future__ import annotations

import pytest
from jsonschema.exceptions import SchemaError
from reservation_be.kit import json_schema


def test_patterns_match_like_json_schema_says():
    schema = {
        "type": "object",
        "properties": {"host": {"type": "string", "pattern": "^[a-z]+-[0-9]+$"}},
        "patternProperties": {"^x-": {"type": "integer"}},
        "additionalProperties": False,
    }
    assert json_schema.validate(schema, {"host": "rack-12", "x-a": 1}) == []
    problems = json_schema.validate(schema, {"host": "Rack", "x-a": "one", "other": 1})
    assert sorted(p.keyword for p in problems) == [
        "additionalProperties",
        "pattern",
        "type",
    ]


def test_unique_items_uses_json_equality():
    schema = {"type": "array", "uniqueItems": True}
    assert [p.keyword for p in json_schema.validate(schema, [1, 1.0])] == ["uniqueItems"]
    assert [p.keyword for p in json_schema.validate(schema, [{"a": [1]}, {"a": [1.0]}])] == [
        "uniqueItems"
    ]
    assert json_schema.validate(schema, [1, True, "1", None, 0, False]) == []
    assert json_schema.validate(schema, [{"a": 1, "b": 2}, {"a": 2, "b": 1}]) == []


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "object", "properties": {"v": {"pattern": r"(a)\1"}}},
        {"type": "object", "patternProperties": {"(?<=a)b": {}}},
        {"type": "object", "unevaluatedProperties": False, "patternProperties": {"^a": {}}},
    ],
)
def test_schemas_this_engine_cannot_run_are_refused(schema):
    with pytest.raises(SchemaError):
        json_schema.check_schema(schema)


def test_a_deeply_nested_schema_is_refused_not_crashed():
    schema: dict = {"type": "object"}
    for _ in range(5000):
        schema = {"type": "object", "properties": {"a": schema}}
    with pytest.raises(SchemaError):
        json_schema.check_schema(schema)


def test_a_deeply_nested_value_is_a_problem_not_a_crash():
    value: list = []
    for _ in range(5000):
        value = [value]
    # Either refusal is fine (both are a 422 for the booking); a RecursionError is not.
    try:
        problems = json_schema.validate({"type": "array", "items": {"$ref": "#"}}, value)
    except json_schema.BudgetExceeded:
        return
    assert [p.keyword for p in problems] == ["depth"]
