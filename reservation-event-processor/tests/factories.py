"""Plain async factories and event builders for the processor's tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from reservation_common.crypto import SecretBox
from reservation_common.events import (
    AncestorRef,
    Event,
    EventType,
    OwnerData,
    Period,
    PingData,
    ReservationData,
    ReservationEventData,
    ResourceData,
    ResourceEventData,
    ResourceTypeRef,
    SiteRef,
    make_event,
)
from reservation_common.signing import generate_secret
from reservation_db.models.site import Site
from reservation_db.models.site_member import SiteMember
from reservation_db.models.user import User
from reservation_db.models.webhook_secret import WebhookSecret
from reservation_db.models.webhook_subscription import WebhookSubscription
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


async def create_site(sm: async_sessionmaker[AsyncSession], *, admins: int = 1) -> Site:
    async with sm() as session, session.begin():
        slug = f"site-{uuid.uuid4().hex[:8]}"
        site = Site(slug=slug, name=slug.title())
        session.add(site)
        await session.flush()
        for i in range(admins):
            user = User(id=str(uuid.uuid4()), username=f"admin{i}-{slug}")
            session.add(user)
            await session.flush()
            session.add(SiteMember(site_id=site.id, user_id=user.id, role="site-admin"))
        member = User(id=str(uuid.uuid4()), username=f"member-{slug}")
        session.add(member)
        await session.flush()
        session.add(SiteMember(site_id=site.id, user_id=member.id, role="member"))
    return site


async def create_subscription(
    sm: async_sessionmaker[AsyncSession],
    box: SecretBox,
    *,
    site: Site,
    url: str = "https://receiver.example/hook",
    secrets: list[str] | None = None,
    expired_secrets: list[str] | None = None,
    **fields: Any,
) -> tuple[WebhookSubscription, list[str]]:
    """A subscription with its signing secrets (plain text returned, encrypted stored)."""
    plain = secrets if secrets is not None else [generate_secret()]
    async with sm() as session, session.begin():
        sub = WebhookSubscription(
            site_id=site.id, name=fields.pop("name", "hook"), url=url, **fields
        )
        session.add(sub)
        await session.flush()
        for s in plain:
            session.add(WebhookSecret(subscription_id=sub.id, secret_encrypted=box.encrypt(s)))
        for s in expired_secrets or []:
            session.add(
                WebhookSecret(
                    subscription_id=sub.id,
                    secret_encrypted=box.encrypt(s),
                    expires_at=datetime.now(UTC) - timedelta(minutes=1),
                )
            )
    return sub, plain


def site_ref(site: Site) -> SiteRef:
    return SiteRef(id=site.id, slug=site.slug, name=site.name)


def resource_data(
    *,
    resource_id: uuid.UUID | None = None,
    type_id: uuid.UUID | None = None,
    ancestors: list[uuid.UUID] | None = None,
) -> ResourceData:
    return ResourceData(
        id=resource_id or uuid.uuid4(),
        name="switch-1",
        status="active",
        type=ResourceTypeRef(id=type_id or uuid.uuid4(), name="switch"),
        attributes={"mgmt": "10.0.0.2"},
        path=[AncestorRef(id=a, name=f"rack-{i}") for i, a in enumerate(ancestors or [])],
    )


def reservation_event(
    site: Site,
    *,
    type_: EventType = EventType.RESERVATION_STARTED,
    resource: ResourceData | None = None,
    event_id: str | None = None,
) -> Event:
    start = datetime.now(UTC).replace(microsecond=0)
    data = ReservationEventData(
        reservation=ReservationData(
            id=uuid.uuid4(),
            title="lab",
            status="active",
            period=Period(start=start, end=start + timedelta(hours=1)),
            parameters={"vlan_id": 42},
            version=3,
        ),
        resource=resource or resource_data(),
        site=site_ref(site),
        owner=OwnerData(id="u-1", username="bob", email="bob@example.org", ssh_keys=[]),
        due_at=start,
        lateness_seconds=0.2,
        previous_status="confirmed",
    )
    return make_event(type_, data, event_id=event_id)


def resource_event(site: Site, *, resource: ResourceData | None = None) -> Event:
    data = ResourceEventData(resource=resource or resource_data(), site=site_ref(site))
    return make_event(EventType.RESOURCE_UPDATED, data)


def ping_event(site: Site, subscription_id: uuid.UUID) -> Event:
    return make_event(
        EventType.WEBHOOK_PING, PingData(site=site_ref(site), subscription_id=subscription_id)
    )
