"""Co-users of a reservation: site members sharing it with its owner, with a role.

Revision ID: 0011_co_users
Revises: 0010_member_groups
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_co_users"
down_revision: str | None = "0010_member_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reservation_co_users",
        sa.Column("reservation_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint("role IN ('attendee', 'co-manager')",
                           name="ck_reservation_co_users_role"),
        sa.ForeignKeyConstraint(["reservation_id"], ["reservations.id"],
                                name="fk_reservation_co_users_reservation_id_reservations",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_reservation_co_users_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("reservation_id", "user_id", name="pk_reservation_co_users"),
    )  # fmt: skip
    op.create_index(
        "ix_reservation_co_users_user_id", "reservation_co_users", ["user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_reservation_co_users_user_id", table_name="reservation_co_users")
    op.drop_table("reservation_co_users")
