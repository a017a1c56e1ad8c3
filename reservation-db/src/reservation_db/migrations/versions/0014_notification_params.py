"""Notifications keep the parameters of their sentence, so a client words them in its language.

Rows written before keep ``params = '{}'`` and are shown with their stored ``message``.

Revision ID: 0014_notification_params
Revises: 0013_opening_hours
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014_notification_params"
down_revision: str | None = "0013_opening_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "notifications",
        sa.Column(
            "params",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_column("notifications", "params")
