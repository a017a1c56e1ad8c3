"""ORM models, one module per table. Import them all here so Alembic sees every table."""

from reservation_db.models.audit_log import AuditLogEntry
from reservation_db.models.base import Base, detached
from reservation_db.models.blackout import Blackout, BlackoutPolicy, BlackoutScope
from reservation_db.models.idempotency_key import IdempotencyKey
from reservation_db.models.mail_message import MailMessage, MailStatus
from reservation_db.models.mail_reminder import MailReminder
from reservation_db.models.member_group import MemberGroup, MemberGroupMember
from reservation_db.models.notification import Notification
from reservation_db.models.notification_preference import NotificationPreference
from reservation_db.models.opening_hours import OpeningHours
from reservation_db.models.outbox import OutboxMessage
from reservation_db.models.quota import Quota, QuotaWindow
from reservation_db.models.rate_limit_counter import RateLimitCounter
from reservation_db.models.reservation import ProvisioningState, Reservation, ReservationStatus
from reservation_db.models.reservation_co_user import CoUserRole, ReservationCoUser
from reservation_db.models.reservation_group import ReservationGroup
from reservation_db.models.reservation_lifecycle import reservation_lifecycle
from reservation_db.models.reservation_series import ReservationSeries
from reservation_db.models.reservation_slot import ReservationSlot
from reservation_db.models.resource import Resource, ResourceStatus
from reservation_db.models.resource_type import ResourceType
from reservation_db.models.site import Site, SiteVisibility
from reservation_db.models.site_member import SiteMember, SiteRole
from reservation_db.models.ssh_key import SshKey
from reservation_db.models.user import User
from reservation_db.models.waitlist_entry import WaitlistEntry, WaitlistStatus
from reservation_db.models.webhook_attempt import WebhookAttempt
from reservation_db.models.webhook_delivery import DeliveryStatus, WebhookDelivery
from reservation_db.models.webhook_secret import WebhookSecret
from reservation_db.models.webhook_subscription import WebhookScopeKind, WebhookSubscription

__all__ = [
    "AuditLogEntry",
    "Base",
    "Blackout",
    "BlackoutPolicy",
    "BlackoutScope",
    "CoUserRole",
    "DeliveryStatus",
    "IdempotencyKey",
    "MailMessage",
    "MailReminder",
    "MailStatus",
    "MemberGroup",
    "MemberGroupMember",
    "Notification",
    "NotificationPreference",
    "OpeningHours",
    "OutboxMessage",
    "ProvisioningState",
    "Quota",
    "QuotaWindow",
    "RateLimitCounter",
    "Reservation",
    "ReservationCoUser",
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
    "detached",
    "reservation_lifecycle",
]
