"""JSON Schema (draft 2020-12) for schemas written by site admins and values sent by members.

Two things make plain ``jsonschema`` unsafe with an untrusted schema:

* ``pattern``, ``patternProperties`` and ``additionalProperties`` match with Python's ``re``, a
  backtracking engine: ``"^(a+)+$"`` against 40 characters runs for hours, holding the GIL.
  Here they run on RE2 (``google-re2``), which matches in time linear in the input; a pattern
  RE2 cannot run (look-around, back-references) is refused when the schema is written.
* some evaluations grow faster than the input (``uniqueItems`` over objects compares every
  pair; ``$ref`` chains through ``anyOf`` fan out exponentially). Keyword evaluations check the
  CPU time spent so far, so :func:`validate` stops after :data:`BUDGET` whatever the schema and
  the value are refused (:class:`BudgetExceeded`).

Validation runs on the event loop: a worker thread would not help, as it holds the GIL against
the loop (a thread busy for a second makes the loop's own requests take about as long).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import re2
from jsonschema import Draft202012Validator, FormatChecker, ValidationError, validators
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator

__all__ = [
    "BUDGET",
    "FORMAT_CHECKER",
    "BudgetExceeded",
    "Problem",
    "check_schema",
    "validate",
]

# CPU seconds one validation may take on the event loop. A typical booking's parameters take
# well under a millisecond (bench/json_schema.py).
BUDGET = 0.005
# Keyword evaluations between two looks at the clock (each is a system call).
_CHECK_EVERY = 16
MAX_MESSAGE = 200

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


class BudgetExceeded(Exception):
    """Validation took longer than its budget."""


class _Budget:
    """Counts from the first look at the clock, after ``_CHECK_EVERY`` steps: most bookings'
    parameters are checked in fewer, and never read the clock (a system call)."""

    __slots__ = ("countdown", "deadline", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline: float | None = None
        self.countdown = _CHECK_EVERY

    def spend(self) -> None:
        self.countdown -= 1
        if self.countdown <= 0:
            self.countdown = _CHECK_EVERY
            now = time.thread_time()
            if self.deadline is None:
                self.deadline = now + self.seconds
            elif now > self.deadline:
                raise BudgetExceeded


_budget: ContextVar[_Budget | None] = ContextVar("json_schema_budget", default=None)


def _spend() -> None:
    """One step of work: keyword evaluations and each item of a keyword's own loops."""
    budget = _budget.get()
    if budget is not None:
        budget.spend()


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, options=_OPTIONS)


def _search(pattern: str, text: str) -> bool:
    return _compiled(pattern).search(text) is not None


def _re2_error(pattern: str) -> str | None:
    try:
        _compiled(pattern)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        return (
            f"pattern {pattern!r} is not supported (RE2 syntax: no look-around or "
            f"back-references): {reason}"
        )
    return None


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


# ---------------------------------------------------------------------------------------------
# Keywords that match regular expressions, on RE2


def _pattern(validator: Validator, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    if not validator.is_type(instance, "string"):
        return
    if (error := _re2_error(pattern)) is not None:
        yield ValidationError(error)
    elif not _search(pattern, instance):
        yield ValidationError(f"{_short(instance)} does not match {pattern!r}")


def _pattern_properties(
    validator: Validator, patterns: Mapping[str, Any], instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        if (error := _re2_error(pattern)) is not None:
            yield ValidationError(error)
            continue
        for key, value in instance.items():
            _spend()
            if _search(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional(instance: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    properties = schema.get("properties", {})
    patterns = [p for p in schema.get("patternProperties", {}) if _re2_error(p) is None]
    extras = []
    for key in instance:
        _spend()
        if key not in properties and not any(_search(p, key) for p in patterns):
            extras.append(key)
    return extras


def _additional_properties(
    validator: Validator, additional: Any, instance: Any, schema: Any
) -> Iterator[Any]:
    if not validator.is_type(instance, "object"):
        return
    extras = _additional(instance, schema)
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        names = ", ".join(_short(e) for e in sorted(extras)[:10])
        yield ValidationError(f"Additional properties are not allowed ({names} unexpected)")


# ---------------------------------------------------------------------------------------------
# uniqueItems in linear time: equal JSON values (1 == 1.0, but true != 1) have one canonical form


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {k: _canonical(v) for k, v in value.items()}
    return value


def _unique_items(validator: Validator, unique: Any, instance: Any, schema: Any) -> Iterator[Any]:
    if not (unique and validator.is_type(instance, "array")):
        return
    seen: set[str] = set()
    for item in instance:
        _spend()
        key = json.dumps(_canonical(item), sort_keys=True)
        if key in seen:
            yield ValidationError(f"{_short(instance)} has non-unique elements")
            return
        seen.add(key)


# ---------------------------------------------------------------------------------------------
# The validator class: every keyword checks the deadline first


Keyword = Callable[[Validator, Any, Any, Any], Any]


def _budgeted(keyword: Keyword) -> Keyword:
    def check_then_run(validator: Validator, value: Any, instance: Any, schema: Any) -> Any:
        _spend()
        return keyword(validator, value, instance, schema)

    return check_then_run


_KEYWORDS: dict[str, Keyword] = {
    **Draft202012Validator.VALIDATORS,
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
    "uniqueItems": _unique_items,
}
_Validator = validators.extend(
    Draft202012Validator, {name: _budgeted(fn) for name, fn in _KEYWORDS.items()}
)

FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checkers = {
    **Draft202012Validator.FORMAT_CHECKER.checkers,
    "regex": (lambda value: not isinstance(value, str) or bool(_compiled(value)), re2.error),
}


# ---------------------------------------------------------------------------------------------
# Public surface


def _keys(schema: Any) -> set[str]:
    """Every object key anywhere in ``schema`` (iterative: nesting depth is not bounded)."""
    keys: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            keys.update(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return keys


# unevaluatedProperties re-applies patternProperties with Python's re (jsonschema._utils).
_UNSAFE_PAIR = {"unevaluatedProperties", "patternProperties"}
_UNSAFE_MESSAGE = "unevaluatedProperties cannot be combined with patternProperties"


def check_schema(schema: dict[str, Any]) -> None:
    """Raise :class:`SchemaError` for a schema that is invalid or that this module cannot run."""
    if _keys(schema) >= _UNSAFE_PAIR:
        raise SchemaError(_UNSAFE_MESSAGE)
    try:
        Draft202012Validator.check_schema(schema, format_checker=FORMAT_CHECKER)
    except RecursionError as exc:
        raise SchemaError("the schema is nested too deeply") from exc


@dataclass(frozen=True)
class Problem:
    """One reason a value does not match: where (a JSON path) and what."""

    path: list[str | int]
    message: str
    keyword: str


def validate(
    schema: dict[str, Any], instance: Any, *, budget: float = BUDGET, limit: int = 20
) -> list[Problem]:
    """Why ``instance`` does not match ``schema`` (empty when it does).

    Raises :class:`BudgetExceeded` when the check needs more than ``budget`` CPU seconds.
    """
    if _keys(schema) >= _UNSAFE_PAIR:  # a type written before this check existed
        return [Problem([], f"the resource type's schema: {_UNSAFE_MESSAGE}", "schema")]
    token = _budget.set(_Budget(budget))
    errors: list[ValidationError] = []
    try:
        validator = _Validator(schema, format_checker=FORMAT_CHECKER)
        for error in validator.iter_errors(instance):
            errors.append(error)
            if len(errors) >= limit:
                break
    except RecursionError:
        return [Problem([], "the value is nested too deeply", "depth")]
    finally:
        _budget.reset(token)
    errors.sort(key=lambda e: [str(p) for p in e.path])
    return [Problem(list(e.path), e.message[: MAX_MESSAGE * 2], str(e.validator)) for e in errors]
