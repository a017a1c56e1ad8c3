from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from reservation_db.models.base import Base, created_at_column, uuid_pk

if TYPE_CHECKING:
    from reservation_db.models.user import User


class SshKey(Base):
    __tablename__ = "ssh_keys"
    __table_args__ = (UniqueConstraint("user_id", "fingerprint", name="uq_ssh_keys_user_fp"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    key_type: Mapped[str] = mapped_column(String(64))
    # Normalised "<type> <base64>" without the comment.
    public_key: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(128))
    bits: Mapped[int | None]
    created_at: Mapped[datetime] = created_at_column()

    user: Mapped[User] = relationship(back_populates="ssh_keys", lazy="raise")
