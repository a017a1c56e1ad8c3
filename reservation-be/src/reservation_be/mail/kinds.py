"""The kinds of e-mail a user may receive, and what each carries."""

from __future__ import annotations

from enum import StrEnum


class MailKind(StrEnum):
    BOOKING_CONFIRMED = "booking_confirmed"
    BOOKING_AWAITING_APPROVAL = "booking_awaiting_approval"
    BOOKING_APPROVED = "booking_approved"
    BOOKING_REJECTED = "booking_rejected"
    BOOKING_CHANGED = "booking_changed"
    # Cancelled by someone else (a site admin); one's own cancellation is not mailed.
    BOOKING_CANCELLED = "booking_cancelled"
    PROVISIONING_READY = "provisioning_ready"
    PROVISIONING_FAILED = "provisioning_failed"
    REMINDER_START = "reminder_start"
    REMINDER_END = "reminder_end"
    # To site admins: a booking of their site waits for their decision.
    APPROVAL_REQUESTED = "approval_requested"


# Every kind is on unless the user turns it off (a missing key in the preferences means this).
DEFAULTS: dict[MailKind, bool] = dict.fromkeys(MailKind, True)

DEFAULT_REMINDER_START_MINUTES = 30
DEFAULT_REMINDER_END_MINUTES = 15

# The calendar invitation attached to a mail of the kind: REQUEST adds or updates the event in
# the recipient's calendar, CANCEL removes it.
ICS_METHODS: dict[MailKind, str] = {
    MailKind.BOOKING_CONFIRMED: "REQUEST",
    MailKind.BOOKING_AWAITING_APPROVAL: "REQUEST",
    MailKind.BOOKING_APPROVED: "REQUEST",
    MailKind.BOOKING_CHANGED: "REQUEST",
    MailKind.BOOKING_REJECTED: "CANCEL",
    MailKind.BOOKING_CANCELLED: "CANCEL",
}

# Reminders carry RFC 8058 one-click unsubscribe headers.
REMINDERS = frozenset({MailKind.REMINDER_START, MailKind.REMINDER_END})


def for_owner(event_type: str, *, status: str, by_owner: bool) -> MailKind | None:
    """The mail a reservation's owner gets for one of its events, if any."""
    if event_type == "reservation.created":
        return (
            MailKind.BOOKING_AWAITING_APPROVAL
            if status == "pending"
            else MailKind.BOOKING_CONFIRMED
        )
    if event_type == "reservation.updated":
        return MailKind.BOOKING_CHANGED
    if event_type == "reservation.approved":
        return MailKind.BOOKING_APPROVED
    if event_type == "reservation.rejected":
        return MailKind.BOOKING_REJECTED
    if event_type == "reservation.cancelled" and not by_owner:
        return MailKind.BOOKING_CANCELLED
    if event_type == "reservation.failed":
        return MailKind.PROVISIONING_FAILED
    return None
