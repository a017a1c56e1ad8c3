from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reservation_db.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from reservation_db.models.ssh_key import SshKey


class User(TimestampMixin, Base):
    """A person or service account, keyed by the identity provider's ``sub``."""

    __tablename__ = "users"
    __table_args__ = (Index("ix_users_username", "username"), Index("ix_users_email", "email"))

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    username: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    # Profile fields the user owns (never overwritten from token claims).
    display_name: Mapped[str | None] = mapped_column(String(255))
    timezone: Mapped[str | None] = mapped_column(String(64))
    is_service_account: Mapped[bool] = mapped_column(server_default=text("false"))

    ssh_keys: Mapped[list[SshKey]] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )
