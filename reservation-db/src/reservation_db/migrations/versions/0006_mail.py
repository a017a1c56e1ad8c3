"""E-mail notifications, reminders and calendar feeds.

* ``notification_preferences``: per user, the kinds of mail wanted (overrides of the defaults),
  locale, reminder lead times, and the hash of the calendar feed token.
* ``mail_queue``: mails to send, written in the transaction of their notification; a worker
  sends them (``FOR UPDATE SKIP LOCKED``) and retries with backoff.
* ``mail_reminders``: one row per reservation and reminder kind, so a reminder leaves once.

Revision ID: 0006_mail
Revises: 0005_rate_limits
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006_mail"
down_revision: str | None = "0005_rate_limits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    now = sa.text("now()")
    op.create_table(
        "notification_preferences",
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=True),
        sa.Column(
            "kinds",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("reminder_start_minutes", sa.Integer(), server_default="30", nullable=False),
        sa.Column("reminder_end_minutes", sa.Integer(), server_default="15", nullable=False),
        sa.Column("calendar_token_hash", sa.String(length=64), nullable=True),
        sa.Column("calendar_token_created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.CheckConstraint(
            "reminder_start_minutes BETWEEN 1 AND 10080",
            name="ck_notification_preferences_reminder_start",
        ),
        sa.CheckConstraint(
            "reminder_end_minutes BETWEEN 1 AND 10080",
            name="ck_notification_preferences_reminder_end",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name="fk_notification_preferences_user_id_users",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name="pk_notification_preferences"),
        sa.UniqueConstraint(
            "calendar_token_hash", name="uq_notification_preferences_calendar_token_hash"
        ),
    )
    op.create_table(
        "mail_queue",
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("notification_id", sa.UUID(), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column(
            "context",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=now, nullable=False
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="ck_mail_queue_status"),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_mail_queue_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mail_queue"),
    )
    op.create_index(
        "ix_mail_queue_due",
        "mail_queue",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_mail_queue_status_created", "mail_queue", ["status", sa.text("created_at DESC")]
    )
    op.create_table(
        "mail_reminders",
        sa.Column("reservation_id", sa.UUID(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=now, nullable=False),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name="fk_mail_reminders_reservation_id_reservations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reservation_id", "kind", name="pk_mail_reminders"),
    )


def downgrade() -> None:
    op.drop_table("mail_reminders")
    op.drop_index("ix_mail_queue_status_created", table_name="mail_queue")
    op.drop_index("ix_mail_queue_due", table_name="mail_queue")
    op.drop_table("mail_queue")
    op.drop_table("notification_preferences")
