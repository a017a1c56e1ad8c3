from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from reservation_db.models.base import Base


class RateLimitCounter(Base):
    """Requests of one principal in one fixed window, summed over every API replica.

    UNLOGGED: counters are worth no WAL; a crash that empties them only forgives a window.
    """

    __tablename__ = "rate_limit_counters"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    principal: Mapped[str] = mapped_column(String(255), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(primary_key=True)
    hits: Mapped[int]
