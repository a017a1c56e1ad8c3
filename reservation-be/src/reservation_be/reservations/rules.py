"""Booking rules of a resource type, applied identically on every path that sets a period.

Create, update (move, extend, change of resource) and bookings on behalf of a member all call
:func:`check_period` with the same arguments; none of them is checked anywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from reservation_db.models.resource_type import ResourceType
from sqlalchemy.dialects.postgresql import Range

from reservation_be.kit import json_schema
from reservation_be.kit.errors import FieldError, UnprocessableEntity


class BookingRuleViolation(UnprocessableEntity):
    slug, title = "booking-rule", "The booking breaks a rule of the resource type"


class InvalidParameters(UnprocessableEntity):
    slug, title = "invalid-parameters", "Custom parameters do not match the resource type"


@dataclass(frozen=True)
class PlatformLimits:
    """The limits of a type that sets none itself (settings ``DEFAULT_MAX_DURATION`` and
    ``DEFAULT_BOOKING_HORIZON``); a type's own value always wins, larger or smaller."""

    max_duration: timedelta = timedelta(days=90)
    booking_horizon: timedelta = timedelta(days=730)
    # Occurrences of one recurring series, for a type without ``max_occurrences``.
    max_occurrences: int = 100


DEFAULT_LIMITS = PlatformLimits()


def _human(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0 and seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{seconds} seconds"


def check_period(
    rtype: ResourceType,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    start_changed: bool = True,
    end_changed: bool = True,
    limits: PlatformLimits = DEFAULT_LIMITS,
) -> None:
    """Refuse (422) a period that breaks the type's rules.

    ``start_changed``/``end_changed`` say which bound the caller sets: an active reservation
    being extended keeps its (past) start, so the notice rule only applies to a new start.
    """
    errors: list[FieldError] = []
    if end <= start:
        errors.append(FieldError(loc=["body", "end"], msg="must be after start", type="period"))
    if start_changed:
        earliest = now + rtype.minimum_notice
        if start < earliest:
            msg = (
                "must not be in the past"
                if rtype.minimum_notice == timedelta(0)
                else f"must be at least {_human(rtype.minimum_notice)} from now (minimum notice)"
            )
            errors.append(FieldError(loc=["body", "start"], msg=msg, type="minimum_notice"))
    max_duration = rtype.max_duration if rtype.max_duration is not None else limits.max_duration
    horizon = rtype.booking_horizon if rtype.booking_horizon is not None else limits.booking_horizon
    if end - start > max_duration:
        errors.append(
            FieldError(
                loc=["body", "end"],
                msg=f"the booking may last at most {_human(max_duration)}",
                type="max_duration",
            )
        )
    if end_changed and end > now + horizon:
        errors.append(
            FieldError(
                loc=["body", "end"],
                msg=f"must be within {_human(horizon)} from now (booking horizon)",
                type="booking_horizon",
            )
        )
    if errors:
        detail = "; ".join(f"{e.loc[-1]} {e.msg}" for e in errors)
        raise BookingRuleViolation(f"{rtype.name}: {detail}.", errors=errors)


def check_parameters(rtype: ResourceType, parameters: dict[str, Any]) -> None:
    """Validate the booking's custom parameters against the type's JSON Schema (422)."""
    try:
        problems = json_schema.validate(rtype.parameters, parameters)
    except json_schema.BudgetExceeded as exc:
        raise InvalidParameters(
            "parameters are too costly to check against the type's schema.",
            errors=[FieldError(loc=["body", "parameters"], msg="too costly", type="budget")],
        ) from exc
    if not problems:
        return
    fields = [
        FieldError(loc=["body", "parameters", *p.path], msg=p.message, type=p.keyword)
        for p in problems
    ]
    detail = "; ".join(
        f"{'.'.join(str(part) for part in p.path) or 'parameters'}: {p.message}"
        for p in problems[:5]
    )
    raise InvalidParameters(detail, errors=fields)


def widened(rtype: ResourceType, start: datetime, end: datetime) -> Range[datetime]:
    """The period the slots hold: the booking plus the type's lead time and teardown grace."""
    return Range(start - rtype.lead_time, end + rtype.teardown_grace, bounds="[)")


class QuantityOverCapacity(UnprocessableEntity):
    slug, title = "quantity-over-capacity", "The quantity is more than the resource lends"


def check_quantity(quantity: int, capacity: int, *, resource_name: str) -> None:
    """A booking asks for 1 .. capacity units of its resource."""
    if quantity > capacity:
        raise QuantityOverCapacity(
            f"{resource_name!r} lends {capacity} unit{'s' if capacity != 1 else ''} at once; "
            f"{quantity} were asked for.",
            errors=[FieldError(loc=["body", "quantity"], msg=f"at most {capacity}",
                               type="capacity")],
        )  # fmt: skip
