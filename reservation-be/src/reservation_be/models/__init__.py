"""ORM models, one module per table. Import them all here so Alembic sees every table."""

from reservation_be.models.audit_log import AuditLogEntry
from reservation_be.models.base import Base
from reservation_be.models.blackout import Blackout, BlackoutPolicy, BlackoutScope
from reservation_be.models.idempotency_key import IdempotencyKey
from reservation_be.models.mail_message import MailMessage, MailStatus
from reservation_be.models.mail_reminder import MailReminder
from reservation_be.models.notification import Notification
from reservation_be.models.notification_preference import NotificationPreference
from reservation_be.models.outbox import OutboxMessage
from reservation_be.models.quota import Quota, QuotaWindow
from reservation_be.models.rate_limit_counter import RateLimitCounter
from reservation_be.models.reservation import ProvisioningState, Reservation, ReservationStatus
from reservation_be.models.reservation_group import ReservationGroup
from reservation_be.models.reservation_series import ReservationSeries
from reservation_be.models.reservation_slot import ReservationSlot
from reservation_be.models.resource import Resource, ResourceStatus
from reservation_be.models.resource_type import ResourceType
from reservation_be.models.site import Site, SiteVisibility
from reservation_be.models.site_member import SiteMember, SiteRole
from reservation_be.models.ssh_key import SshKey
from reservation_be.models.user import User
from reservation_be.models.waitlist_entry import WaitlistEntry, WaitlistStatus
from reservation_be.models.webhook_attempt import WebhookAttempt
from reservation_be.models.webhook_delivery import DeliveryStatus, WebhookDelivery
from reservation_be.models.webhook_secret import WebhookSecret
from reservation_be.models.webhook_subscription import WebhookScopeKind, WebhookSubscription

__all__ = [
    "AuditLogEntry",
    "Base",
    "Blackout",
    "BlackoutPolicy",
    "BlackoutScope",
    "DeliveryStatus",
    "IdempotencyKey",
    "MailMessage",
    "MailReminder",
    "MailStatus",
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "ProvisioningState",
    "Quota",
    "QuotaWindow",
    "RateLimitCounter",
    "Reservation",
    "ReservationGroup",
    "ReservationSeries",
    "ReservationSlot",
    "ReservationStatus",
    "Resource",
    "ResourceStatus",
    "ResourceType",
    "Site",
    "SiteMember",
    "SiteRole",
    "SiteVisibility",
    "SshKey",
    "User",
    "WaitlistEntry",
    "WaitlistStatus",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookScopeKind",
    "WebhookSecret",
    "WebhookSubscription",
]
