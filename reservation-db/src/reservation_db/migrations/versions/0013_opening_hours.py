"""Opening hours of a site, a resource type or a resource, with exceptions.

Revision ID: 0013_opening_hours
Revises: 0012_capacity
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013_opening_hours"
down_revision: str | None = "0012_capacity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "opening_hours",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("resource_type_id", sa.UUID(), nullable=True),
        sa.Column("resource_id", sa.UUID(), nullable=True),
        sa.Column("weekly", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("exceptions", postgresql.JSONB(astext_type=sa.Text()),
                  server_default=sa.text("'[]'::jsonb"), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint("num_nonnulls(resource_type_id, resource_id) <= 1",
                           name="ck_opening_hours_one_scope"),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_opening_hours_site_id_sites",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_type_id"], ["resource_types.id"],
                                name="fk_opening_hours_resource_type_id_resource_types",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"],
                                name="fk_opening_hours_resource_id_resources", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_opening_hours"),
    )  # fmt: skip
    op.create_index(
        "uq_opening_hours_scope",
        "opening_hours",
        ["site_id", "resource_type_id", "resource_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )


def downgrade() -> None:
    op.drop_index("uq_opening_hours_scope", table_name="opening_hours")
    op.drop_table("opening_hours")
