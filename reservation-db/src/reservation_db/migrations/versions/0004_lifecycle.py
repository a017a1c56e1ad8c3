"""Lifecycle ledger of the scheduler and change notifications for live clients.

* ``reservation_lifecycle``: the last lifecycle event emitted per reservation (``stage`` 1
  starting, 2 started, 3 ending_soon, 4 ended), written in the transaction that emits it, so
  each event leaves exactly once whatever the number of scheduler replicas or restarts.
* ``reservation_changes`` NOTIFY on every insert/update of a reservation (wakes the scheduler
  and the per-user event stream), ``user_notifications`` NOTIFY on every new notification.
  Payloads carry ids only; listeners read the rows they need.

Revision ID: 0004_lifecycle
Revises: 0003_webhooks
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_lifecycle"
down_revision: str | None = "0003_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reservation_lifecycle",
        sa.Column("reservation_id", sa.UUID(), nullable=False),
        sa.Column("stage", sa.SmallInteger(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("stage BETWEEN 0 AND 4", name="ck_reservation_lifecycle_stage"),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name="fk_reservation_lifecycle_reservation_id_reservations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("reservation_id", name="pk_reservation_lifecycle"),
    )
    # Started but not yet torn down: what a cancellation must still end.
    op.create_index(
        "ix_reservation_lifecycle_open",
        "reservation_lifecycle",
        ["reservation_id"],
        postgresql_where=sa.text("stage BETWEEN 1 AND 3"),
    )
    op.execute(
        """
        CREATE FUNCTION notify_reservation_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('reservation_changes', json_build_object(
                'id', NEW.id, 'owner_id', NEW.owner_id, 'site_id', NEW.site_id,
                'status', NEW.status, 'provisioning_state', NEW.provisioning_state,
                'version', NEW.version)::text);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER reservations_notify_change AFTER INSERT OR UPDATE ON reservations "
        "FOR EACH ROW EXECUTE FUNCTION notify_reservation_change()"
    )
    op.execute(
        """
        CREATE FUNCTION notify_user_notification() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('user_notifications', json_build_object(
                'id', NEW.id, 'user_id', NEW.user_id)::text);
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER notifications_notify_insert AFTER INSERT ON notifications "
        "FOR EACH ROW EXECUTE FUNCTION notify_user_notification()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER notifications_notify_insert ON notifications")
    op.execute("DROP FUNCTION notify_user_notification()")
    op.execute("DROP TRIGGER reservations_notify_change ON reservations")
    op.execute("DROP FUNCTION notify_reservation_change()")
    op.drop_table("reservation_lifecycle")
