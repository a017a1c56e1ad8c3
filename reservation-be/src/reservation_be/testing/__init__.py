"""Reusable test building blocks for every part that needs the backend's database or API.

``temporary_database`` creates a uniquely named, migrated PostgreSQL database and drops it at
the end; ``truncate_all`` empties it between tests.
"""

from reservation_be.testing.database import (
    DEFAULT_ADMIN_URL,
    temporary_database,
    truncate_all,
)

__all__ = ["DEFAULT_ADMIN_URL", "temporary_database", "truncate_all"]
