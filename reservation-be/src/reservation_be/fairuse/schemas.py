from __future__ import annotations

import uuid
from typing import Annotated, Self

from pydantic import Field, model_validator
from reservation_db.models.blackout import BlackoutPolicy, BlackoutScope
from reservation_db.models.quota import GroupScope, QuotaWindow
from reservation_db.models.waitlist_entry import WaitlistStatus

from reservation_be.kit.schemas import InputSchema, Schema, UTCDatetime, omitted_default
from reservation_be.kit.types import Duration, OptionalDuration, Text, Timestamp
from reservation_be.reservations.schemas import Quantity

Count = Annotated[int, Field(ge=0, le=1_000_000)]


class QuotaCreate(InputSchema):
    """At least one limit. ``resource_type_id`` null: every type of the site. Whom it binds:
    ``user_id`` one member; ``group_id`` with ``group_scope`` a member group (``total``: its
    members together; ``each``: every member of it on their own); neither: every member on
    their own. A member's own quota replaces the ``each`` quotas of their groups, which replace
    the quota for every member; a group's ``total`` binds in addition."""

    resource_type_id: uuid.UUID | None = None
    user_id: Annotated[Text, Field(max_length=255)] | None = None
    group_id: uuid.UUID | None = Field(default=None, description="A member group of the site.")
    group_scope: GroupScope | None = Field(
        default=None,
        description="With group_id: total (the group's members together) or each (every "
        "member of the group on their own).",
    )
    max_concurrent: Count | None = Field(
        default=None, description="Most reservations held at one instant."
    )
    max_booked: OptionalDuration = Field(
        default=None, description="Most time booked in any rolling window (with booked_window)."
    )
    booked_window: QuotaWindow | None = Field(
        default=None, description="day (24 h), week (7 days) or month (30 days), rolling."
    )
    max_future: Count | None = Field(default=None, description="Most reservations not started yet.")
    max_resources: Count | None = Field(
        default=None,
        description="Most resources held at one instant (a booking holds its whole subtree).",
    )
    exempt_site_admins: bool = True

    @model_validator(mode="after")
    def _limits(self) -> Self:
        if (self.max_booked is None) != (self.booked_window is None):
            raise ValueError("max_booked and booked_window go together")
        if self.user_id is not None and self.group_id is not None:
            raise ValueError("a quota binds one member (user_id) or a group (group_id), not both")
        if (self.group_id is None) != (self.group_scope is None):
            raise ValueError("group_id and group_scope go together")
        if all(
            v is None
            for v in (self.max_concurrent, self.max_booked, self.max_future, self.max_resources)
        ):
            raise ValueError("a quota sets at least one limit")
        return self


class QuotaRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    resource_type_id: uuid.UUID | None
    user_id: str | None
    group_id: uuid.UUID | None
    group_scope: GroupScope | None
    max_concurrent: int | None
    max_booked: OptionalDuration
    booked_window: QuotaWindow | None
    max_future: int | None
    max_resources: int | None
    exempt_site_admins: bool
    created_at: UTCDatetime


class Usage(Schema):
    held_now: int = Field(description="Reservations held at this instant.")
    resources_now: int = Field(description="Resources held at this instant.")
    future: int = Field(description="Reservations not started yet.")
    booked: Duration | None = Field(
        description="With booked_window: the most time booked in any window of that length "
        "that reaches into the next one from now."
    )


class QuotaUsage(Schema):
    quota: QuotaRead
    group_name: str | None = Field(
        default=None, description="A group's quota: the group (with total, usage is the group's)."
    )
    usage: Usage


class SiteUsage(Schema):
    site_id: uuid.UUID
    site_slug: str
    exempt: bool = Field(description="Site admins exempt from every quota of the site.")
    quotas: list[QuotaUsage]


class MyUsage(Schema):
    sites: list[SiteUsage]


class MemberUsage(Schema):
    user_id: str
    username: str
    role: str
    held_now: int
    resources_now: int
    future: int
    booked_last_30_days: Duration
    booked_next_30_days: Duration
    groups: list[str] = Field(description="The member groups of the site the member is in.")


class GroupUsage(Schema):
    """A member group's members together (what a total quota of the group counts)."""

    group_id: uuid.UUID
    name: str
    members: int
    held_now: int
    resources_now: int
    future: int
    booked_last_30_days: Duration
    booked_next_30_days: Duration


class SiteUsageReport(Schema):
    site_id: uuid.UUID
    generated_at: UTCDatetime
    members: list[MemberUsage]
    groups: list[GroupUsage]


class BlackoutCreate(InputSchema):
    resource_id: uuid.UUID | None = Field(
        default=None, description="The resource; null with scope site."
    )
    scope: BlackoutScope = BlackoutScope.SUBTREE
    policy: BlackoutPolicy = Field(
        default=BlackoutPolicy.REFUSE,
        description="refuse: 409 listing the bookings in the way; cancel: cancel them "
        "(reservation.cancelled with cause maintenance) and notify each owner.",
    )
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]
    start: Timestamp
    end: Timestamp

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.scope is BlackoutScope.SITE) != (self.resource_id is None):
            raise ValueError("resource_id is required, except with scope site (then omit it)")
        return self


class BlackoutRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    resource_id: uuid.UUID | None
    scope: BlackoutScope
    policy: BlackoutPolicy
    reason: str
    start: UTCDatetime
    end: UTCDatetime
    created_by: str
    created_at: UTCDatetime
    cancelled_reservations: list[uuid.UUID] = Field(
        default_factory=list, description="On create with policy cancel: what it cancelled."
    )


class ExtendBody(InputSchema):
    end: Timestamp = Field(description="The new end, later than the current one.")


class WaitlistJoin(InputSchema):
    title: Annotated[Text, Field(min_length=1, max_length=200)]
    start: Timestamp
    end: Timestamp
    auto_book: bool = Field(
        default=False,
        description="Book it for me when it frees (then confirm it by confirm_by).",
    )
    quantity: Quantity = Field(
        default=1,
        description="Units of a pooled resource to wait for (at most its capacity): the "
        "entry is served once that many are free over the whole period.",
        json_schema_extra=omitted_default,
    )
    expires_at: Timestamp | None = Field(
        default=None, description="Stop waiting then (at the latest, and by default, the start)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class WaitlistRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    resource_id: uuid.UUID
    user_id: str
    title: str
    start: UTCDatetime
    end: UTCDatetime
    auto_book: bool
    quantity: int = Field(description="Units of the resource waited for (1 unless pooled).")
    status: WaitlistStatus
    position: int | None = Field(description="Place in line while waiting (1: next).")
    expires_at: UTCDatetime
    confirm_by: UTCDatetime | None
    reservation_id: uuid.UUID | None
    created_at: UTCDatetime


GroupName = Annotated[Text, Field(min_length=1, max_length=100)]
MemberIds = Annotated[list[Annotated[Text, Field(max_length=255)]], Field(max_length=10_000)]


class MemberGroupCreate(InputSchema):
    name: GroupName
    description: Annotated[Text, Field(max_length=2000)] = ""
    members: MemberIds = Field(default_factory=list, description="User ids of site members.")


class MemberGroupMembers(InputSchema):
    members: MemberIds = Field(description="The group's members from now on (user ids).")


class MemberGroupRead(Schema):
    id: uuid.UUID
    site_id: uuid.UUID
    name: str
    description: str
    members: list[str]
    created_at: UTCDatetime
