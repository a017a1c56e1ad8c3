"""Reusable test building blocks for every part that needs the backend's database or API.

``temporary_database`` creates a uniquely named, migrated PostgreSQL database and drops it at
the end; ``truncate_all`` empties it between tests;
``serve_in_thread`` runs an app on a loopback port.
"""

from reservation_be.testing.database import (
    DEFAULT_ADMIN_URL,
    temporary_database,
    truncate_all,
)
from reservation_be.testing.server import serve_in_thread

__all__ = ["DEFAULT_ADMIN_URL", "serve_in_thread", "temporary_database", "truncate_all"]
