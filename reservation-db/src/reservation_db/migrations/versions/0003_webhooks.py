"""Webhook tables: subscriptions, secrets (encrypted at rest), deliveries, attempts.

Deliveries and attempts are written by the event processor; see
``reservation_event_processor.delivery`` for the lease and retry columns.

Revision ID: 0003_webhooks
Revises: 0002_booking
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_webhooks"
down_revision: str | None = "0002_booking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TZ = sa.DateTime(timezone=True)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", _TZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", _TZ, server_default=sa.text("now()"), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "webhook_subscriptions",
        _id(),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), server_default=sa.text("''"), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column(
            "event_types",
            postgresql.ARRAY(sa.String(64)),
            server_default=sa.text("'{}'::varchar[]"),
            nullable=False,
        ),
        sa.Column("scope_kind", sa.String(16), server_default=sa.text("'site'"), nullable=False),
        sa.Column(
            "scope_ids",
            postgresql.ARRAY(sa.UUID()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column("include_subtree", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", _TZ, nullable=True),
        sa.Column("integration_client_id", sa.String(255), nullable=True),
        sa.Column("max_concurrency", sa.Integer(), server_default=sa.text("4"), nullable=False),
        sa.Column("rate_limit_per_second", sa.Integer(), nullable=True),
        sa.Column("failing_since", _TZ, nullable=True),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscriptions"),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_webhook_subscriptions_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name="fk_webhook_subscriptions_created_by_users",
            ondelete="SET NULL",
        ),
        sa.CheckConstraint(
            "scope_kind IN ('site', 'resource_type', 'resource')",
            name="ck_webhook_subscriptions_scope_kind",
        ),
        sa.CheckConstraint(
            "scope_kind = 'site' OR cardinality(scope_ids) > 0",
            name="ck_webhook_subscriptions_scope_ids_present",
        ),
        sa.CheckConstraint(
            "max_concurrency BETWEEN 1 AND 100", name="ck_webhook_subscriptions_max_concurrency"
        ),
        sa.CheckConstraint(
            "rate_limit_per_second IS NULL OR rate_limit_per_second > 0",
            name="ck_webhook_subscriptions_rate_limit",
        ),
    )
    op.create_index(
        "ix_webhook_subscriptions_site_enabled",
        "webhook_subscriptions",
        ["site_id"],
        postgresql_where=sa.text("enabled"),
    )

    op.create_table(
        "webhook_secrets",
        _id(),
        sa.Column("subscription_id", sa.UUID(), nullable=False),
        sa.Column("secret_encrypted", sa.Text(), nullable=False),
        sa.Column("created_at", _TZ, server_default=sa.text("now()"), nullable=False),
        sa.Column("expires_at", _TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_secrets"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name="fk_webhook_secrets_subscription_id_webhook_subscriptions",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_webhook_secrets_subscription", "webhook_secrets", ["subscription_id", "created_at"]
    )

    op.create_table(
        "webhook_deliveries",
        _id(),
        sa.Column("webhook_id", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("subscription_id", sa.UUID(), nullable=False),
        sa.Column("site_id", sa.UUID(), nullable=False),
        sa.Column("reservation_id", sa.UUID(), nullable=True),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(16), server_default=sa.text("'pending'"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("next_attempt_at", _TZ, nullable=True),
        sa.Column("locked_until", _TZ, nullable=True),
        sa.Column("last_attempt_at", _TZ, nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("completed_at", _TZ, nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint("event_id", "subscription_id", name="uq_webhook_deliveries_event_sub"),
        sa.UniqueConstraint("webhook_id", name="uq_webhook_deliveries_webhook_id"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name="fk_webhook_deliveries_subscription_id_webhook_subscriptions",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name="fk_webhook_deliveries_site_id_sites",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'succeeded', 'failed', 'cancelled')",
            name="ck_webhook_deliveries_status",
        ),
        sa.CheckConstraint(
            "status <> 'pending' OR next_attempt_at IS NOT NULL",
            name="ck_webhook_deliveries_pending_due",
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_due",
        "webhook_deliveries",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_webhook_deliveries_pending_subscription",
        "webhook_deliveries",
        ["subscription_id", "next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_webhook_deliveries_subscription_created",
        "webhook_deliveries",
        ["subscription_id", "created_at"],
    )
    op.create_index(
        "ix_webhook_deliveries_site_created", "webhook_deliveries", ["site_id", "created_at"]
    )
    op.create_index(
        "ix_webhook_deliveries_reservation",
        "webhook_deliveries",
        ["reservation_id"],
        postgresql_where=sa.text("reservation_id IS NOT NULL"),
    )

    op.create_table(
        "webhook_attempts",
        _id(),
        sa.Column("delivery_id", sa.UUID(), nullable=False),
        sa.Column("started_at", _TZ, nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column(
            "response_headers",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_attempts"),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_deliveries.id"],
            name="fk_webhook_attempts_delivery_id_webhook_deliveries",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_webhook_attempts_delivery", "webhook_attempts", ["delivery_id", "started_at"]
    )


def downgrade() -> None:
    op.drop_table("webhook_attempts")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_secrets")
    op.drop_table("webhook_subscriptions")
