"""ORM models, one module per table. Import them all here so Alembic sees every table."""

from reservation_be.models.audit_log import AuditLogEntry
from reservation_be.models.base import Base
from reservation_be.models.idempotency_key import IdempotencyKey
from reservation_be.models.notification import Notification
from reservation_be.models.outbox import OutboxMessage
from reservation_be.models.site import Site, SiteVisibility
from reservation_be.models.site_member import SiteMember, SiteRole
from reservation_be.models.ssh_key import SshKey
from reservation_be.models.user import User

__all__ = [
    "AuditLogEntry",
    "Base",
    "IdempotencyKey",
    "Notification",
    "OutboxMessage",
    "Site",
    "SiteMember",
    "SiteRole",
    "SiteVisibility",
    "SshKey",
    "User",
]
