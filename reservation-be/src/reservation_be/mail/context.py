"""What a mail's templates and invitation need, snapshotted in the transaction of the change."""

from __future__ import annotations

from typing import Any

from reservation_common.events import ReservationEventData


def reservation_context(
    data: ReservationEventData,
    *,
    description: str = "",
    actor: str | None = None,
    status_reason: str | None = None,
) -> dict[str, Any]:
    r = data.reservation
    provisioning = r.provisioning
    return {
        "reservation": {
            "id": str(r.id),
            "title": r.title,
            "description": description,
            "status": r.status,
            "status_reason": status_reason,
            "start": r.period.start.isoformat(),
            "end": r.period.end.isoformat(),
            "version": r.version,
        },
        "resource": {
            "id": str(data.resource.id),
            "name": data.resource.name,
            "path": [a.name for a in data.resource.path] + [data.resource.name],
        },
        "site": {"id": str(data.site.id), "slug": data.site.slug, "name": data.site.name},
        "provisioning": (
            {
                "state": provisioning.state,
                "message": provisioning.message,
                "details": provisioning.details,
            }
            if provisioning is not None
            else None
        ),
        "actor": actor,
    }
