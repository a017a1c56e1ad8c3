"""Capacity: a resource type or resource lends N units at once; a booking takes a quantity.

Each unit of a resource is a slot lane: ``reservation_slots.unit`` (0 .. capacity - 1) joins the
exclusion constraint, which becomes (resource_id =, unit =, period &&). A booking of quantity q
holds q distinct units of its resource at every instant of its period, and every unit of each
descendant; see docs/architecture.md, capacity. Every existing slot is unit 0 of a resource of
capacity 1: nothing changes for them.

Revision ID: 0012_capacity
Revises: 0011_co_users
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_capacity"
down_revision: str | None = "0011_co_users"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_CAPACITY = 1000


def upgrade() -> None:
    op.add_column(
        "resource_types",
        sa.Column("capacity", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_check_constraint(
        "ck_resource_types_capacity",
        "resource_types",
        f"capacity BETWEEN 1 AND {MAX_CAPACITY}",
    )
    op.add_column("resources", sa.Column("capacity", sa.Integer(), nullable=True))
    op.create_check_constraint(
        "ck_resources_capacity",
        "resources",
        f"capacity IS NULL OR capacity BETWEEN 1 AND {MAX_CAPACITY}",
    )
    op.add_column(
        "reservations",
        sa.Column("quantity", sa.Integer(), server_default=sa.text("1"), nullable=False),
    )
    op.create_check_constraint(
        "ck_reservations_quantity", "reservations", f"quantity BETWEEN 1 AND {MAX_CAPACITY}"
    )
    op.add_column(
        "reservation_slots",
        sa.Column("unit", sa.Integer(), server_default=sa.text("0"), nullable=False),
    )
    op.create_check_constraint(
        "ck_reservation_slots_unit", "reservation_slots", f"unit >= 0 AND unit < {MAX_CAPACITY}"
    )
    op.drop_constraint("ex_reservation_slots_no_overlap", "reservation_slots")
    op.create_exclude_constraint(
        "ex_reservation_slots_no_overlap",
        "reservation_slots",
        (sa.column("resource_id"), "="),
        (sa.column("unit"), "="),
        (sa.column("period"), "&&"),
        using="gist",
    )
    # A pooled booking may hold one unit over several pieces of its period: no longer one row
    # per (holder, resource).
    op.drop_index("uq_reservation_slots_reservation", table_name="reservation_slots")
    op.drop_index("uq_reservation_slots_blackout", table_name="reservation_slots")
    op.create_index(
        "ix_reservation_slots_reservation", "reservation_slots", ["reservation_id", "resource_id"]
    )
    op.create_index(
        "ix_reservation_slots_blackout", "reservation_slots", ["blackout_id", "resource_id"]
    )
    # The units of a resource: its own capacity, else its type's.
    op.execute(
        """
        CREATE FUNCTION resource_capacity(resource uuid) RETURNS integer
        LANGUAGE sql STABLE AS $$
            SELECT coalesce(r.capacity, t.capacity)
            FROM resources r JOIN resource_types t ON t.id = r.type_id WHERE r.id = resource
        $$
        """
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION resource_capacity(uuid)")
    op.drop_index("ix_reservation_slots_blackout", table_name="reservation_slots")
    op.drop_index("ix_reservation_slots_reservation", table_name="reservation_slots")
    # One row per (holder, resource) again: a pooled booking keeps its first piece of unit 0.
    op.execute("DELETE FROM reservation_slots WHERE unit > 0")
    op.execute(
        """
        DELETE FROM reservation_slots s USING reservation_slots o
        WHERE s.resource_id = o.resource_id AND s.ctid > o.ctid
          AND (s.reservation_id = o.reservation_id OR s.blackout_id = o.blackout_id)
        """
    )
    op.drop_constraint("ex_reservation_slots_no_overlap", "reservation_slots")
    op.create_exclude_constraint(
        "ex_reservation_slots_no_overlap",
        "reservation_slots",
        (sa.column("resource_id"), "="),
        (sa.column("period"), "&&"),
        using="gist",
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
    op.drop_constraint("ck_reservation_slots_unit", "reservation_slots")
    op.drop_column("reservation_slots", "unit")
    op.drop_constraint("ck_reservations_quantity", "reservations")
    op.drop_column("reservations", "quantity")
    op.drop_constraint("ck_resources_capacity", "resources")
    op.drop_column("resources", "capacity")
    op.drop_constraint("ck_resource_types_capacity", "resource_types")
    op.drop_column("resource_types", "capacity")
