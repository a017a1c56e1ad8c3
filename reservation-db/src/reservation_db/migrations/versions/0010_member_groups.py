"""Member groups and group quotas.

* ``member_groups`` (named per site) and ``member_group_members`` (a member in several groups).
* ``quotas.group_id`` / ``group_scope``: a quota binds a group's members together (``total``)
  or each member of it on their own (``each``); the scope index gains both columns.

Revision ID: 0010_member_groups
Revises: 0009_fair_use
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_member_groups"
down_revision: str | None = "0009_fair_use"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_groups",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], name="fk_member_groups_site_id_sites",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_member_groups"),
        sa.UniqueConstraint("site_id", "name", name="uq_member_groups_site_name"),
    )  # fmt: skip
    op.create_table(
        "member_group_members",
        sa.Column("group_id", sa.UUID(), nullable=False),
        sa.Column("user_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["member_groups.id"],
                                name="fk_member_group_members_group_id_member_groups",
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_member_group_members_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("group_id", "user_id", name="pk_member_group_members"),
    )  # fmt: skip
    op.create_index("ix_member_group_members_user_id", "member_group_members", ["user_id"])
    op.add_column("quotas", sa.Column("group_id", sa.UUID(), nullable=True))
    op.add_column("quotas", sa.Column("group_scope", sa.String(length=8), nullable=True))
    op.create_foreign_key(
        "fk_quotas_group_id_member_groups", "quotas", "member_groups", ["group_id"], ["id"],
        ondelete="CASCADE",
    )  # fmt: skip
    op.create_index("ix_quotas_group_id", "quotas", ["group_id"])
    op.create_check_constraint(
        "ck_quotas_member_or_group", "quotas", "user_id IS NULL OR group_id IS NULL"
    )
    op.create_check_constraint(
        "ck_quotas_group_scope_pair", "quotas", "(group_id IS NULL) = (group_scope IS NULL)"
    )
    op.create_check_constraint(
        "ck_quotas_group_scope", "quotas", "group_scope IS NULL OR group_scope IN ('total', 'each')"
    )
    op.drop_index("uq_quotas_scope", table_name="quotas")
    op.create_index(
        "uq_quotas_scope",
        "quotas",
        ["site_id", "resource_type_id", "user_id", "group_id", "group_scope"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )


def downgrade() -> None:
    op.drop_index("uq_quotas_scope", table_name="quotas")
    op.execute("DELETE FROM quotas WHERE group_id IS NOT NULL")
    op.create_index(
        "uq_quotas_scope",
        "quotas",
        ["site_id", "resource_type_id", "user_id"],
        unique=True,
        postgresql_nulls_not_distinct=True,
    )
    for name in ("group_scope", "group_scope_pair", "member_or_group"):
        op.drop_constraint(f"ck_quotas_{name}", "quotas", type_="check")
    op.drop_index("ix_quotas_group_id", table_name="quotas")
    op.drop_constraint("fk_quotas_group_id_member_groups", "quotas", type_="foreignkey")
    op.drop_column("quotas", "group_scope")
    op.drop_column("quotas", "group_id")
    op.drop_index("ix_member_group_members_user_id", table_name="member_group_members")
    op.drop_table("member_group_members")
    op.drop_table("member_groups")
