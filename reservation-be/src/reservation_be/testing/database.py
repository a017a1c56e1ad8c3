"""The shared schema's throwaway databases, plus what this process caches about their rows."""

from __future__ import annotations

from reservation_db.testing import DEFAULT_ADMIN_URL, admin_url, temporary_database
from reservation_db.testing import truncate_all as truncate_tables
from sqlalchemy.ext.asyncio import AsyncEngine

from reservation_be.auth import known_users

__all__ = ["DEFAULT_ADMIN_URL", "admin_url", "temporary_database", "truncate_all"]


async def truncate_all(engine: AsyncEngine) -> None:
    """Empty every table but Alembic's; users rows go too, so this process syncs them again."""
    known_users.forget_all()
    await truncate_tables(engine)
