"""The leased deliveries of a subscription have an index of their own.

Every claim counts a subscription's attempts in flight against its ``max_concurrency``; through
the pending index that count read every pending row of the subscription, so a backlog of
thousands made each claim (and so each delivery) cost PostgreSQL more the longer the backlog.

Revision ID: 0016_webhook_leased_index
Revises: 0015_waitlist_quantity
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_webhook_leased_index"
down_revision: str | None = "0015_waitlist_quantity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_webhook_deliveries_leased",
        "webhook_deliveries",
        ["subscription_id", "locked_until"],
        unique=False,
        postgresql_where=sa.text("status = 'pending' AND locked_until IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_deliveries_leased", table_name="webhook_deliveries")
