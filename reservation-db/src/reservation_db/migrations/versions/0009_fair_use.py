"""Fair use: quotas, blackouts holding slots, extension/check-in/failure rules of a type.

* ``quotas``: limits per site (optionally per type), for every member or one member.
* ``blackouts``: maintenance windows. Their slots go into ``reservation_slots`` (same exclusion
  constraint as bookings), so a slot now belongs to a reservation or to a blackout: the primary
  key (reservation_id, resource_id) becomes a unique index, and a check keeps exactly one holder.
* ``resource_types``: ``on_provisioning_failure`` (release|keep), ``extension_window``,
  ``max_extension``, ``checkin_within``; ``reservations``: ``extended_by``, ``checked_in_at``.

Revision ID: 0009_fair_use
Revises: 0008_series_groups
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009_fair_use"
down_revision: str | None = "0008_series_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quotas",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("resource_type_id", sa.UUID(), nullable=True),
        sa.Column("user_id", sa.String(), nullable=True),
        sa.Column("max_concurrent", sa.Integer(), nullable=True),
        sa.Column("max_booked", sa.Interval(), nullable=True),
        sa.Column("booked_window", sa.String(length=8), nullable=True),
        sa.Column("max_future", sa.Integer(), nullable=True),
        sa.Column("max_resources", sa.Integer(), nullable=True),
        sa.Column(
            "exempt_site_admins", sa.Boolean(), server_default=sa.text("true"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint(
            "booked_window IS NULL OR booked_window IN ('day', 'week', 'month')",
            name="ck_quotas_window",
        ),
        sa.CheckConstraint(
            "(max_booked IS NULL) = (booked_window IS NULL)", name="ck_quotas_booked_pair"
        ),
        sa.CheckConstraint(
            "num_nonnulls(max_concurrent, max_booked, max_future, max_resources) > 0",
            name="ck_quotas_limits_something",
        ),
        sa.CheckConstraint(
            "max_concurrent IS NULL OR max_concurrent >= 0", name="ck_quotas_max_concurrent"
        ),
        sa.CheckConstraint("max_future IS NULL OR max_future >= 0", name="ck_quotas_max_future"),
        sa.CheckConstraint(
            "max_resources IS NULL OR max_resources >= 0", name="ck_quotas_max_resources"
        ),
        sa.CheckConstraint(
            "max_booked IS NULL OR max_booked >= interval '0'", name="ck_quotas_max_booked"
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_quotas_site_id_sites",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_type_id"], ["resource_types.id"],
                                name="fk_quotas_resource_type_id_resource_types",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_quotas_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_quotas"),
    )  # fmt: skip
    op.create_index(
        "uq_quotas_scope",
        "quotas",
        ["site_id", "resource_type_id", "user_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )

    op.create_table(
        "blackouts",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=True),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("policy", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint("scope IN ('resource', 'subtree', 'site')", name="ck_blackouts_scope"),
        sa.CheckConstraint("policy IN ('refuse', 'cancel')", name="ck_blackouts_policy"),
        sa.CheckConstraint("(scope = 'site') = (resource_id IS NULL)",
                           name="ck_blackouts_scope_resource"),
        sa.CheckConstraint(
            "NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)"
            " AND NOT lower_inf(period) AND NOT upper_inf(period)",
            name="ck_blackouts_period_half_open",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_blackouts_site_id_sites",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"],
                                name="fk_blackouts_resource_id_resources", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"],
                                name="fk_blackouts_created_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_blackouts"),
    )  # fmt: skip
    op.create_index(
        "ix_blackouts_site_period", "blackouts", ["site_id", "period"], postgresql_using="gist"
    )

    op.add_column("reservation_slots", sa.Column("blackout_id", sa.UUID(), nullable=True))
    op.create_foreign_key(
        "fk_reservation_slots_blackout_id_blackouts",
        "reservation_slots",
        "blackouts",
        ["blackout_id"],
        ["id"],
        ondelete="CASCADE",
    )
    op.create_index(
        "uq_reservation_slots_reservation",
        "reservation_slots",
        ["reservation_id", "resource_id"],
        unique=True,
    )
    op.create_index(
        "uq_reservation_slots_blackout",
        "reservation_slots",
        ["blackout_id", "resource_id"],
        unique=True,
    )
    op.drop_constraint("pk_reservation_slots", "reservation_slots", type_="primary")
    op.alter_column("reservation_slots", "reservation_id", nullable=True)
    op.create_check_constraint(
        "ck_reservation_slots_one_holder",
        "reservation_slots",
        "num_nonnulls(reservation_id, blackout_id) = 1",
    )

    op.add_column(
        "resource_types",
        sa.Column(
            "on_provisioning_failure",
            sa.String(length=16),
            server_default=sa.text("'release'"),
            nullable=False,
        ),
    )
    op.add_column("resource_types", sa.Column("extension_window", sa.Interval(), nullable=True))
    op.add_column("resource_types", sa.Column("max_extension", sa.Interval(), nullable=True))
    op.add_column("resource_types", sa.Column("checkin_within", sa.Interval(), nullable=True))
    for name, condition in (
        ("on_provisioning_failure", "on_provisioning_failure IN ('release', 'keep')"),
        ("extension_window", "extension_window IS NULL OR extension_window > interval '0'"),
        ("max_extension", "max_extension IS NULL OR max_extension >= interval '0'"),
        ("checkin_within", "checkin_within IS NULL OR checkin_within > interval '0'"),
    ):
        op.create_check_constraint(f"ck_resource_types_{name}", "resource_types", condition)

    op.add_column(
        "reservations",
        sa.Column("extended_by", sa.Interval(), server_default=sa.text("'0'"), nullable=False),
    )
    op.add_column(
        "reservations",
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
    )

    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("resource_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("period", postgresql.TSTZRANGE(), nullable=False),
        sa.Column("auto_book", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("status", sa.String(length=16), server_default=sa.text("'waiting'"),
                  nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirm_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reservation_id", sa.UUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'offered', 'booked', 'confirmed', 'expired', 'cancelled')",
            name="ck_waitlist_entries_status",
        ),
        sa.CheckConstraint(
            "NOT isempty(period) AND lower_inc(period) AND NOT upper_inc(period)"
            " AND NOT lower_inf(period) AND NOT upper_inf(period)",
            name="ck_waitlist_entries_period_half_open",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"],
                                name="fk_waitlist_entries_site_id_sites", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resource_id"], ["resources.id"],
                                name="fk_waitlist_entries_resource_id_resources",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_waitlist_entries_user_id_users", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reservation_id"], ["reservations.id"],
                                name="fk_waitlist_entries_reservation_id_reservations",
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_waitlist_entries"),
    )  # fmt: skip
    op.create_index(
        "ix_waitlist_entries_open",
        "waitlist_entries",
        ["resource_id", "created_at"],
        postgresql_where=sa.text("status IN ('waiting', 'offered', 'booked')"),
    )


def downgrade() -> None:
    op.drop_index("ix_waitlist_entries_open", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
    op.drop_column("reservations", "checked_in_at")
    op.drop_column("reservations", "extended_by")
    for name in ("checkin_within", "max_extension", "extension_window", "on_provisioning_failure"):
        op.drop_column("resource_types", name)
    op.execute("DELETE FROM reservation_slots WHERE blackout_id IS NOT NULL")
    op.drop_constraint("ck_reservation_slots_one_holder", "reservation_slots", type_="check")
    op.alter_column("reservation_slots", "reservation_id", nullable=False)
    op.create_primary_key(
        "pk_reservation_slots", "reservation_slots", ["reservation_id", "resource_id"]
    )
    op.drop_index("uq_reservation_slots_blackout", table_name="reservation_slots")
    op.drop_index("uq_reservation_slots_reservation", table_name="reservation_slots")
    op.drop_constraint(
        "fk_reservation_slots_blackout_id_blackouts", "reservation_slots", type_="foreignkey"
    )
    op.drop_column("reservation_slots", "blackout_id")
    op.drop_index("ix_blackouts_site_period", table_name="blackouts")
    op.drop_table("blackouts")
    op.drop_index("uq_quotas_scope", table_name="quotas")
    op.drop_table("quotas")
