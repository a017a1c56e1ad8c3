"""In-app notifications, written in the transaction of the change they announce.

Each notification keeps its English ``message`` and its ``params``: the parts of the sentence
(``title``, ``resource``, ``start``, ``end``, ``site``, ``role``...), so the web app words its
``kind`` in the user's language (docs/frontend.md lists the keys)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reservation_db.models import Reservation
from reservation_db.repositories.notifications import add as notify
from reservation_db.repositories.notifications import add_many as notify_many
from reservation_db.repositories.notifications import entry

__all__ = ["entry", "notify", "notify_many", "reservation_params"]


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def reservation_params(reservation: Reservation, resource: str, **extra: Any) -> dict[str, Any]:
    """The parts of a sentence about ``reservation`` on the resource named ``resource``; ``extra``
    values that are ``None`` are left out."""
    params: dict[str, Any] = {
        "title": reservation.title,
        "resource": resource,
        "start": _iso(reservation.period.lower),
        "end": _iso(reservation.period.upper),
        "status": reservation.status,
    }
    params.update({key: value for key, value in extra.items() if value is not None})
    return params
