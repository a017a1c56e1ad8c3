"""W3C trace context carried with an event: on its outbox row and on each of its deliveries.

Nullable: NULL when tracing is off (the default) or the event has no traced origin.

Revision ID: 0007_trace_context
Revises: 0006_mail
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007_trace_context"
down_revision: str | None = "0006_mail"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Adding a nullable column without a default rewrites nothing and locks only briefly.
    op.add_column("outbox", sa.Column("trace_context", postgresql.JSONB(), nullable=True))
    op.add_column(
        "webhook_deliveries", sa.Column("trace_context", postgresql.JSONB(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("webhook_deliveries", "trace_context")
    op.drop_column("outbox", "trace_context")
