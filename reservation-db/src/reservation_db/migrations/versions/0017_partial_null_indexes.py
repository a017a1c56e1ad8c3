"""The indexes on columns most rows leave NULL hold only the rows that have a value.

``reservations.series_id`` and ``group_id`` (an occurrence of a series, a member of a group)
and ``reservation_slots.blackout_id`` (a maintenance window's slot) are NULL for almost every
row, yet each booking wrote a NULL entry into each of the three indexes. Every query that uses
them asks for one value (``= :id``, a join on it, the foreign keys' own ``SET NULL`` and
``CASCADE`` lookups), which implies ``IS NOT NULL``, so the partial indexes serve all of them;
a booking writes three index entries fewer and the indexes no longer grow with the bookings.

Revision ID: 0017_partial_null_indexes
Revises: 0016_webhook_leased_index
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017_partial_null_indexes"
down_revision: str | None = "0016_webhook_leased_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEXES = (
    ("ix_reservations_series_id", "reservations", ["series_id"]),
    ("ix_reservations_group_id", "reservations", ["group_id"]),
    ("ix_reservation_slots_blackout", "reservation_slots", ["blackout_id", "resource_id"]),
)


def upgrade() -> None:
    for name, table, columns in _INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns, postgresql_where=sa.text(f"{columns[0]} IS NOT NULL"))


def downgrade() -> None:
    for name, table, columns in _INDEXES:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
