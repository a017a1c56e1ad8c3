"""Recurring series and reservation groups (find and book N resources).

``reservation_series`` holds an RRULE expanded in the site's time zone (``sites.time_zone``,
UTC for the sites that had none); ``reservation_groups`` holds N resources booked in one
transaction. Their occurrences and members are ordinary reservations pointing at them
(``reservations.series_id`` / ``group_id``). ``resource_types.max_occurrences`` caps a series.

Revision ID: 0008_series_groups
Revises: 0007_trace_context
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_series_groups"
down_revision: str | None = "0007_trace_context"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    op.add_column(
        "sites",
        sa.Column(
            "time_zone", sa.String(length=64), server_default=sa.text("'UTC'"), nullable=False
        ),
    )
    op.add_column("resource_types", sa.Column("max_occurrences", sa.Integer(), nullable=True))
    op.create_check_constraint(
        op.f("ck_resource_types_max_occurrences"),
        "resource_types",
        "max_occurrences IS NULL OR max_occurrences > 0",
    )
    op.create_table(
        "reservation_series",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("owner_id", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("rrule", sa.String(length=500), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("first_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration", sa.Interval(), nullable=False),
        sa.Column("conflict_mode", sa.String(length=16), nullable=False),
        sa.Column(
            "parameters",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "status", sa.String(length=16), server_default=sa.text("'active'"), nullable=False
        ),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "conflict_mode IN ('all-or-nothing', 'skip-conflicts')",
            name=op.f("ck_reservation_series_conflict_mode"),
        ),
        sa.CheckConstraint(
            "status IN ('active', 'cancelled')", name=op.f("ck_reservation_series_status")
        ),
        sa.CheckConstraint("duration > interval '0'", name=op.f("ck_reservation_series_duration")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_reservation_series_version")),
        sa.ForeignKeyConstraint(
            ["site_id", "resource_id"],
            ["resources.site_id", "resources.id"],
            name="fk_reservation_series_resource_same_site",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_reservation_series_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_reservation_series_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_reservation_series_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation_series")),
    )
    op.create_table(
        "reservation_groups",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("owner_id", sa.String(length=255), nullable=False),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("version >= 1", name=op.f("ck_reservation_groups_version")),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_reservation_groups_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_reservation_groups_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_reservation_groups_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservation_groups")),
    )
    op.add_column("reservations", sa.Column("series_id", sa.UUID(), nullable=True))
    op.add_column("reservations", sa.Column("group_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        op.f("fk_reservations_series_id_reservation_series"),
        "reservations",
        "reservation_series",
        ["series_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_foreign_key(
        op.f("fk_reservations_group_id_reservation_groups"),
        "reservations",
        "reservation_groups",
        ["group_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_index(op.f("ix_reservations_series_id"), "reservations", ["series_id"])
    op.create_index(op.f("ix_reservations_group_id"), "reservations", ["group_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reservations_group_id"), table_name="reservations")
    op.drop_index(op.f("ix_reservations_series_id"), table_name="reservations")
    op.drop_constraint(
        op.f("fk_reservations_group_id_reservation_groups"), "reservations", type_="foreignkey"
    )
    op.drop_constraint(
        op.f("fk_reservations_series_id_reservation_series"), "reservations", type_="foreignkey"
    )
    op.drop_column("reservations", "group_id")
    op.drop_column("reservations", "series_id")
    op.drop_table("reservation_groups")
    op.drop_table("reservation_series")
    op.drop_constraint(op.f("ck_resource_types_max_occurrences"), "resource_types", type_="check")
    op.drop_column("resource_types", "max_occurrences")
    op.drop_column("sites", "time_zone")
