"""A waitlist entry waits for a quantity of a pooled resource's units.

Revision ID: 0015_waitlist_quantity
Revises: 0014_notification_params
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015_waitlist_quantity"
down_revision: str | None = "0014_notification_params"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "waitlist_entries",
        sa.Column("quantity", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_check_constraint(
        "ck_waitlist_entries_quantity", "waitlist_entries", "quantity BETWEEN 1 AND 1000"
    )


def downgrade() -> None:
    op.drop_constraint("ck_waitlist_entries_quantity", "waitlist_entries", type_="check")
    op.drop_column("waitlist_entries", "quantity")
