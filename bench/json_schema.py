"""Parameter validation: what a booking's custom parameters cost on the event loop.

    uv run python bench/json_schema.py

Prints the CPU time of ``reservation_be.kit.json_schema.validate`` per call for a typical
schema, for larger values, and for hostile ones (a catastrophic pattern, uniqueItems over many
objects, a $ref fan-out) that stop at the budget. Asserts nothing about speed.
"""

from __future__ import annotations

import time
from typing import Any

from reservation_be.kit import json_schema

VLAN = {
    "type": "object",
    "properties": {
        "vlan_id": {"type": "integer", "minimum": 2, "maximum": 4094},
        "hostname": {"type": "string", "pattern": "^[a-z][a-z0-9-]{0,62}$"},
        "ports": {"type": "array", "items": {"type": "integer"}, "uniqueItems": True},
    },
    "required": ["vlan_id"],
    "additionalProperties": False,
}
HOSTS = {
    "type": "object",
    "properties": {
        "hosts": {
            "type": "array",
            "uniqueItems": True,
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string", "pattern": "^[a-z0-9-]+$"}},
            },
        }
    },
}


def fan_out(depth: int) -> dict[str, Any]:
    defs: dict[str, Any] = {
        f"l{i}": {"anyOf": [{"$ref": f"#/$defs/l{i + 1}"}, {"$ref": f"#/$defs/l{i + 1}"}]}
        for i in range(depth)
    }
    defs[f"l{depth}"] = {"type": "string", "minLength": 100}
    return {"type": "object", "properties": {"x": {"$ref": "#/$defs/l0"}}, "$defs": defs}


CASES: list[tuple[str, dict[str, Any], Any]] = [
    (
        "typical (vlan, hostname, 4 ports)",
        VLAN,
        {"vlan_id": 42, "hostname": "a1", "ports": [1, 2, 3, 4]},
    ),
    ("100 host objects", HOSTS, {"hosts": [{"name": f"h{i}"} for i in range(100)]}),
    ("1000 host objects", HOSTS, {"hosts": [{"name": f"h{i}"} for i in range(1000)]}),
    (
        "pattern ^(a+)+$ on 41 chars",
        {"type": "object", "properties": {"v": {"type": "string", "pattern": "^(a+)+$"}}},
        {"v": "a" * 40 + "!"},
    ),
    (
        "pattern ^(a+)+$ on 1 MB",
        {"type": "object", "properties": {"v": {"type": "string", "pattern": "^(a+)+$"}}},
        {"v": "a" * 1_000_000 + "!"},
    ),
    (
        "uniqueItems over 20000 objects",
        {"type": "object", "properties": {"h": {"type": "array", "uniqueItems": True}}},
        {"h": [{"i": i} for i in range(20_000)]},
    ),
    ("$ref fan-out 2**40", fan_out(40), {"x": "short"}),
]


def main() -> None:
    print(f"budget: {json_schema.BUDGET * 1000:.1f} ms CPU per validation")
    for name, schema, value in CASES:
        runs, outcome = 0, ""
        started = time.thread_time()
        while runs < 200 and time.thread_time() - started < 1.0:
            try:
                problems = json_schema.validate(schema, value)
                outcome = "valid" if not problems else f"{len(problems)} problem(s)"
            except json_schema.BudgetExceeded:
                outcome = "refused: over budget"
            runs += 1
        per_call = (time.thread_time() - started) / runs
        print(f"{name:36} {per_call * 1000:9.3f} ms CPU/call  {outcome}  ({runs} runs)")


if __name__ == "__main__":
    main()
