"""Booking tables: resource types, resources, reservations, reservation slots.

No double booking by construction: ``reservation_slots`` carries an exclusion constraint
(btree_gist) on (resource_id WITH =, period WITH &&). See docs/architecture.md, booking.

Revision ID: 0002_booking
Revises: 0001_core
Create Date: 2026-11-22 00:47:08.934995
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_booking"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    op.create_table(
        "resource_types",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "color", sa.String(length=7), server_default=sa.text("'#4f46e5'"), nullable=False
        ),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column(
            "parameters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text(
                '\'{"type": "object", "properties": {}, "additionalProperties": false}\'::jsonb'
            ),
            nullable=False,
        ),
        sa.Column("lead_time", sa.Interval(), server_default=sa.text("'0'"), nullable=False),
        sa.Column("teardown_grace", sa.Interval(), server_default=sa.text("'0'"), nullable=False),
        sa.Column("max_duration", sa.Interval(), nullable=True),
        sa.Column("booking_horizon", sa.Interval(), nullable=True),
        sa.Column("minimum_notice", sa.Interval(), server_default=sa.text("'0'"), nullable=False),
        sa.Column(
            "requires_approval", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "booking_horizon IS NULL OR booking_horizon > interval '0'",
            name=op.f("ck_resource_types_booking_horizon"),
        ),
        sa.CheckConstraint("lead_time >= interval '0'", name=op.f("ck_resource_types_lead_time")),
        sa.CheckConstraint(
            "max_duration IS NULL OR max_duration > interval '0'",
            name=op.f("ck_resource_types_max_duration"),
        ),
        sa.CheckConstraint(
            "minimum_notice >= interval '0'", name=op.f("ck_resource_types_minimum_notice")
        ),
        sa.CheckConstraint(
            "teardown_grace >= interval '0'", name=op.f("ck_resource_types_teardown_grace")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_resource_types_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_types")),
        sa.UniqueConstraint("site_id", "id", name="uq_resource_types_site_id"),
        sa.UniqueConstraint("site_id", "name", name="uq_resource_types_site_name"),
    )
    op.create_table(
        "resources",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("type_id", sa.UUID(), nullable=False),
        sa.Column("parent_id", sa.UUID(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("location", sa.String(length=200), server_default=sa.text("''"), nullable=False),
        sa.Column(
            "attributes",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "status", sa.String(length=16), server_default=sa.text("'active'"), nullable=False
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('active', 'maintenance', 'retired')", name=op.f("ck_resources_status")
        ),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_resources_not_own_parent")
        ),
        sa.ForeignKeyConstraint(
            ["site_id", "parent_id"],
            ["resources.site_id", "resources.id"],
            name="fk_resources_parent_same_site",
        ),
        sa.ForeignKeyConstraint(
            ["site_id", "type_id"],
            ["resource_types.site_id", "resource_types.id"],
            name="fk_resources_type_same_site",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name="fk_resources_site", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
        sa.UniqueConstraint("site_id", "id", name="uq_resources_site_id"),
        sa.UniqueConstraint("site_id", "name", name="uq_resources_site_name"),
    )
    op.create_index("ix_resources_parent_id", "resources", ["parent_id"], unique=False)
    op.create_index("ix_resources_type_id", "resources", ["type_id"], unique=False)
    op.create_table(
        "reservations",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("owner_id", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column(
            "parameters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "provisioning_state",
            sa.String(length=16),
            server_default=sa.text("'pending'"),
            nullable=False,
        ),
        sa.Column("provisioning_message", sa.Text(), nullable=True),
        sa.Column(
            "provisioning_details",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("provisioning_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "provisioning_state IN ('pending', 'in_progress', 'ready', 'failed', 'released')",
            name=op.f("ck_reservations_provisioning_state"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'active', 'completed', 'cancelled', 'rejected',"
            " 'failed')",
            name=op.f("ck_reservations_status"),
        ),
        sa.CheckConstraint(
            "NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)"
            " AND NOT lower_inf(period) AND NOT upper_inf(period)",
            name=op.f("ck_reservations_period_half_open"),
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_reservations_version")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_reservations_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_reservations_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["site_id", "resource_id"],
            ["resources.site_id", "resources.id"],
            name="fk_reservations_resource_same_site",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_reservations_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    op.create_index(
        "ix_reservations_owner_period",
        "reservations",
        ["owner_id", "period"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        "ix_reservations_resource_period",
        "reservations",
        ["resource_id", "period"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index(
        "ix_reservations_site_period",
        "reservations",
        ["site_id", "period"],
        unique=False,
        postgresql_using="gist",
    )
    op.create_index("ix_reservations_status", "reservations", ["status"], unique=False)
    op.create_table(
        "reservation_slots",
        sa.Column("reservation_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        postgresql.ExcludeConstraint(
            (sa.column("resource_id"), "="),
            (sa.column("period"), "&&"),
            using="gist",
            name="ex_reservation_slots_no_overlap",
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_reservation_slots_reservation_id_reservations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_reservation_slots_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reservation_id", "resource_id", name=op.f("pk_reservation_slots")),
    )


def downgrade() -> None:
    op.drop_table("reservation_slots")
    op.drop_index("ix_reservations_status", table_name="reservations")
    op.drop_index("ix_reservations_site_period", table_name="reservations", postgresql_using="gist")
    op.drop_index(
        "ix_reservations_resource_period", table_name="reservations", postgresql_using="gist"
    )
    op.drop_index(
        "ix_reservations_owner_period", table_name="reservations", postgresql_using="gist"
    )
    op.drop_table("reservations")
    op.drop_index("ix_resources_type_id", table_name="resources")
    op.drop_index("ix_resources_parent_id", table_name="resources")
    op.drop_table("resources")
    op.drop_table("resource_types")
