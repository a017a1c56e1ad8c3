"""In-app notifications, written in the transaction of the change they announce."""

from __future__ import annotations

from reservation_db.repositories.notifications import add as notify
from reservation_db.repositories.notifications import add_many as notify_many
from reservation_db.repositories.notifications import entry

__all__ = ["entry", "notify", "notify_many"]
