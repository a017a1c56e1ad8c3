"""In-app notifications, written in the transaction of the change they announce."""

from __future__ import annotations

from reservation_db.repositories.notifications import add as notify
from reservation_db.repositories.notifications import add_many as notify_many

__all__ = ["notify", "notify_many"]
