"""Per-principal request counters shared by the API replicas (``kit/rate_limit.py``).

UNLOGGED: the counters are rewritten every second and worth no WAL; after a crash the table
is empty, which only forgives the current window.

Revision ID: 0005_rate_limits
Revises: 0004_lifecycle
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_rate_limits"
down_revision: str | None = "0004_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_counters",
        sa.Column("principal", sa.String(length=255), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("principal", "window_start", name="pk_rate_limit_counters"),
        prefixes=["UNLOGGED"],
    )


def downgrade() -> None:
    op.drop_table("rate_limit_counters")
