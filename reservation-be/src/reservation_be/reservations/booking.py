"""Creating a reservation in two statements.

The booking path is the hot one, so it goes neither through the ORM's unit of work nor through
SQLAlchemy's execution layer: both statements are asyncpg prepared statements on the request's
connection, in its transaction (``kit/driver.py``), or with none around them when the booking
is its caller's whole transaction (``alone``: the write commits itself).

1. one read, without a lock: the resource and its row version, its type, its site, the
   caller's and the owner's role there, the owner's identity and SSH keys, the resource's
   ancestors, the opening hours that apply, the transaction's ``now()`` (everything the
   policy, the booking rules and the event need), whether the site has any quota (only
   then are the owner's quotas read and locked, ``fairuse.rules.prepare_quotas``), and the
   committed reservation (else maintenance window) already holding part of the period
   (``repository.rival_sql``): then the booking is refused after the same checks, with the
   answer the write's 23P01 would have got, and nothing is written;
2. one write (``_BOOK``, data-modifying CTEs), while the resource row is still the version
   read (``guard``, ``FOR SHARE`` to the end; see docs/architecture.md on tree changes): the
   reservation row, the booking locks, the slots of the subtree, the outbox row (plus its
   ``pg_notify``), the audit row, the notifications and their mails. The event, the audit
   snapshot and the answer are built in Python between the two from what (1) returned; the
   row is written with the very values they carry. The exclusion constraint on the slots
   decides as before.

A policy that needs more reads them only where it applies: opening hours that restrict
(``opening_hours.service.check_booking``), a site with quotas, a pooled resource (its units,
``repository.take_units``, after the write and under its locks). A refused booking rolls the
transaction back (its locks go with it; alone, PostgreSQL already has) and then asks, in one
statement on the same connection, which committed reservation (else which maintenance window)
it collided with. Everything else (policy, rules, answers) is the same code as on the other
paths.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, NamedTuple

import asyncpg
from reservation_common.events import (
    AncestorRef,
    EventType,
    OwnerData,
    Period,
    ProvisioningData,
    ReservationData,
    ReservationEventData,
    ResourceData,
    ResourceTypeRef,
    make_event,
)
from reservation_common.tracing import current_carrier
from reservation_db.models import SiteRole, detached
from reservation_db.models.reservation import ProvisioningState, Reservation, ReservationStatus
from reservation_db.models.resource import ResourceStatus
from reservation_db.models.resource_type import ResourceType
from sqlalchemy.dialects.postgresql import Range
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from reservation_be import policy
from reservation_be.auth.actor import Actor
from reservation_be.fairuse import rules as fairuse
from reservation_be.kit import driver
from reservation_be.kit.errors import Conflict, FieldError, UnprocessableEntity
from reservation_be.kit.notifications import reservation_params
from reservation_be.kit.request_context import current_request_id
from reservation_be.mail.context import reservation_context
from reservation_be.mail.kinds import MailKind
from reservation_be.opening_hours import rules as opening_rules
from reservation_be.opening_hours import service as opening_service
from reservation_be.policy import Action, SiteContext
from reservation_be.reservations import repository, rules
from reservation_be.reservations.db_errors import (
    DEADLOCK_DETECTED,
    EXCLUSION_VIOLATION,
    FOREIGN_KEY_VIOLATION,
    sqlstate,
)
from reservation_be.reservations.schemas import ReservationCreate, ReservationRead
from reservation_be.reservations.service import (
    _MESSAGES,
    ResourceUnavailable,
    refusal,
    shortage_problem,
    to_read,
)
from reservation_be.resources.repository import SUBTREE_SQL
from reservation_be.resources.service import site_ref

S = ReservationStatus

_READ = driver.Statement(
    f"""
WITH RECURSIVE path(id, parent_id, name, depth) AS (
    SELECT id, parent_id, name, 0 FROM resources WHERE id = :resource_id
    UNION ALL
    SELECT r.id, r.parent_id, r.name, p.depth + 1
    FROM resources r JOIN path p ON r.id = p.parent_id WHERE p.depth < 64
),
{SUBTREE_SQL}
SELECT r.site_id, r.name, r.status, r.attributes, CAST(r.xmin AS text) AS row_version,
       t.id AS type_id, t.name AS type_name, t.parameters AS type_parameters, t.lead_time,
       t.teardown_grace, t.max_duration, t.booking_horizon, t.minimum_notice,
       t.requires_approval, coalesce(r.capacity, t.capacity) AS capacity,
       s.slug, s.name AS site_name, s.description AS site_description, s.visibility,
       s.version AS site_version, s.time_zone AS site_time_zone,
       (SELECT coalesce(json_agg(json_build_object(
                   'id', o.id, 'resource_type_id', o.resource_type_id,
                   'resource_id', o.resource_id, 'weekly', o.weekly,
                   'exceptions', o.exceptions)), '[]')
        FROM opening_hours o
        WHERE o.site_id = r.site_id AND (o.resource_id = r.id OR o.resource_type_id = t.id
              OR (o.resource_id IS NULL AND o.resource_type_id IS NULL))) AS opening_hours,
       (SELECT role FROM site_members WHERE site_id = r.site_id AND user_id = :actor_id)
           AS actor_role,
       (SELECT role FROM site_members WHERE site_id = r.site_id AND user_id = :owner_id)
           AS owner_role,
       u.username AS owner_username, u.email AS owner_email,
       ARRAY(SELECT public_key FROM ssh_keys WHERE user_id = :owner_id
             ORDER BY created_at) AS owner_keys,
       (SELECT coalesce(json_agg(json_build_object('id', id, 'name', name)
                                 ORDER BY depth DESC), '[]')
        FROM path WHERE depth > 0) AS path,
       EXISTS (SELECT 1 FROM quotas WHERE site_id = r.site_id) AS site_has_quotas,
       now() AS now,
       rival.blackout AS rival_blackout, rival.id AS rival_id, rival.site_id AS rival_site_id,
       rival.resource_id AS rival_resource_id, rival.period AS rival_period,
       rival.status AS rival_status, rival.reason AS rival_reason
FROM resources r
JOIN resource_types t ON t.id = r.type_id
JOIN sites s ON s.id = r.site_id
LEFT JOIN users u ON u.id = :owner_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN CAST(:start AS timestamptz) - t.lead_time
                     < CAST(:end AS timestamptz) + t.teardown_grace
                THEN tstzrange(CAST(:start AS timestamptz) - t.lead_time,
                               CAST(:end AS timestamptz) + t.teardown_grace, '[)') END AS period,
           coalesce(r.capacity, t.capacity) = 1 AS whole
) held
LEFT JOIN LATERAL ({repository.rival_sql("held.period", "held.whole")}) rival ON true
WHERE r.id = :resource_id
"""  # noqa: S608 (constant text, no input)
)

# Everything the booking writes, in one statement, while the resource row is the version the
# read saw (``guard``: its shared lock, held to the end of the transaction; a row changed since
# makes every insert select nothing and the statement return no row): the reservation row (its
# server-side values given, so the event built beforehand says what the row holds), the locks (see
# repository.lock_for_booking), the slots deepest first, the outbox row and its NOTIFY, the
# audit row, the notifications (the owner; the site admins too when the booking waits for
# approval) and their mails (mail/queue.py). The slots' condition on the lock row alone is
# evaluated once, before any slot row is made, whatever the plan: every lock is held before the
# first slot is inserted, and also when none is (a pooled resource, capacity > 1, gets its
# subtree's slots here and its units afterwards, repository.take_units, under these locks).
# The slots' foreign key to the reservation is checked at the end of the statement. A 23P01 on
# a slot fails the whole statement: nothing of it is kept. Each subtree row's capacity is
# resource_capacity() written out (its own, else its type's): the SQL function, called here,
# would be parsed and planned again at every booking (a fifth of the statement's time).
# The walks up to the locks and down to the slots start from the row the guard locked (its
# parent, capacity and type), not from new look-ups of it.
# The mail queue's NOTIFY goes only with a mail queued: without one the senders have nothing
# to do.
_BOOK = driver.Statement(
    """
WITH RECURSIVE guard AS (
    SELECT id, parent_id, capacity, type_id FROM resources
    WHERE id = :resource_id AND CAST(xmin AS text) = CAST(:row_version AS text)
    FOR SHARE
),
reservation AS (
    INSERT INTO reservations (id, site_id, resource_id, owner_id, created_by, title, description,
                              period, status, parameters, quantity, provisioning_state,
                              provisioning_details, version, created_at, updated_at)
    SELECT CAST(:id AS uuid), CAST(:site_id AS uuid), CAST(:resource_id AS uuid),
           CAST(:owner_id AS varchar), CAST(:created_by AS varchar), CAST(:title AS varchar),
           CAST(:description AS text), CAST(:period AS tstzrange), CAST(:status AS varchar),
           CAST(:parameters AS jsonb), CAST(:quantity AS integer),
           CAST(:provisioning_state AS varchar), CAST(:provisioning_details AS jsonb), 1,
           CAST(:now AS timestamptz), CAST(:now AS timestamptz)
    FROM guard
),
path(id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM guard
    UNION ALL
    SELECT r.id, r.parent_id, p.depth + 1 FROM resources r JOIN path p ON r.id = p.parent_id
    WHERE p.depth < 64
),
locked AS (
    SELECT count(CASE WHEN depth = 0 THEN pg_advisory_xact_lock(key)
                      ELSE pg_advisory_xact_lock_shared(key) END) AS n
    FROM (SELECT depth, hashtextextended(id::text, 7497075) AS key
          FROM path ORDER BY depth DESC) ordered
),
subtree(id, capacity, depth) AS (
    SELECT g.id, coalesce(g.capacity, t.capacity), 0
    FROM guard g JOIN resource_types t ON t.id = g.type_id
    UNION ALL
    SELECT c.id, coalesce(c.capacity, t.capacity), s.depth + 1
    FROM resources c JOIN subtree s ON c.parent_id = s.id JOIN resource_types t ON t.id = c.type_id
    WHERE s.depth < 64
),
slots AS (
    INSERT INTO reservation_slots (reservation_id, resource_id, unit, period)
    SELECT CAST(:id AS uuid), subtree.id, unit, CAST(:held AS tstzrange)
    FROM subtree CROSS JOIN LATERAL generate_series(0, subtree.capacity - 1) unit
    WHERE (SELECT n FROM locked) IS NOT NULL AND (subtree.depth > 0 OR CAST(:whole AS boolean))
    ORDER BY subtree.depth DESC, unit
),
event AS (
    INSERT INTO outbox (id, type, payload, trace_context)
    SELECT CAST(:event_id AS uuid), CAST(:event_type AS varchar), CAST(:payload AS jsonb),
           CAST(:trace_context AS jsonb)
    FROM guard
),
audit AS (
    INSERT INTO audit_log (actor_id, actor_username, site_id, entity, entity_id, action, after,
                           request_id)
    SELECT CAST(:actor_id AS varchar), CAST(:actor_username AS varchar),
           CAST(:site_id AS uuid), 'reservation', CAST(:entity_id AS varchar), 'created',
           CAST(:after AS jsonb), CAST(:request_id AS varchar)
    FROM guard
),
recipients AS (
    SELECT CAST(:owner_id AS varchar) AS user_id FROM guard
    UNION
    SELECT user_id FROM site_members
    WHERE CAST(:pending AS boolean) AND site_id = CAST(:site_id AS uuid) AND role = 'site-admin'
          AND EXISTS (SELECT 1 FROM guard)
),
notified AS (
    INSERT INTO notifications (user_id, kind, message, links, params)
    SELECT user_id, CAST(:event_type AS varchar), CAST(:message AS text), CAST(:links AS jsonb),
           CAST(:params AS jsonb)
    FROM recipients
    RETURNING id, user_id
),
mailed AS (
    INSERT INTO mail_queue (user_id, notification_id, kind, to_address, context)
    SELECT n.user_id, n.id, m.kind, u.email, CAST(:mail_context AS jsonb)
    FROM notified n
    CROSS JOIN LATERAL (
        SELECT CASE WHEN n.user_id = CAST(:owner_id AS varchar) THEN CAST(:owner_kind AS varchar)
                    ELSE CAST(:admin_kind AS varchar) END AS kind
    ) m
    JOIN users u ON u.id = n.user_id
    LEFT JOIN notification_preferences p ON p.user_id = n.user_id
    WHERE COALESCE(u.email, '') <> '' AND COALESCE((p.kinds ->> m.kind)::boolean, true)
    RETURNING 1
)
SELECT pg_notify('outbox', CAST(:event_id AS text)),
       (SELECT pg_notify('mail_queue', '') FROM mailed LIMIT 1)
FROM guard
"""
)


def _unknown_resource(resource_id: uuid.UUID) -> UnprocessableEntity:
    return UnprocessableEntity(
        f"No resource {resource_id} that you can book.",
        errors=[FieldError(loc=["body", "resource_id"], msg="unknown resource", type="not_found")],
    )


class Booked(NamedTuple):
    reservation: Reservation  # not in the session
    read: ReservationRead  # what the audit row's ``after`` and the 201 say


async def create(
    session: AsyncSession, actor: Actor, body: ReservationCreate, **options: Any
) -> Reservation:
    """``book``'s reservation (``options`` as ``book`` takes them)."""
    return (await book(session, actor, body, **options)).reservation


async def book(
    session: AsyncSession,
    actor: Actor,
    body: ReservationCreate,
    *,
    limits: rules.PlatformLimits = rules.DEFAULT_LIMITS,
    savepoint: bool = False,
    series_id: uuid.UUID | None = None,
    alone: bool = False,
) -> Booked:
    """Book ``body.resource_id`` (and its subtree); the returned row is not in the session.

    ``alone``: the booking is its caller's whole transaction, committed right after (the
    booking request's fast lane). When the session has no transaction open yet, the read and
    the write then go without BEGIN and COMMIT: the write commits itself, and a refused write
    releases its locks in PostgreSQL at once, not when the caller's ROLLBACK arrives.

    ``series_id`` names the series being booked (linked once all its occurrences are in), so
    the notifications say which series the occurrence belongs to.

    A refused insert rolls the whole transaction back, unless ``savepoint``: then only the
    insert's savepoint (a series books its occurrences one savepoint each, and a conflict of
    one leaves the others in place).
    """
    policy.require_user(actor)
    owner_id = body.owner_id or actor.user_id
    # Read without a lock: the write takes the resource row's shared lock and books only while
    # the row is the version read here.
    row = await driver.fetchrow(
        session,
        _READ,
        {
            "resource_id": body.resource_id,
            "subtree_root": body.resource_id,
            "actor_id": actor.user_id,
            "owner_id": owner_id,
            "start": body.start,
            "end": body.end,
        },
        alone=alone,
    )
    if row is None:
        raise _unknown_resource(body.resource_id)
    site = repository.site_of(row)
    ctx = SiteContext(
        actor=actor, site=site, role=SiteRole(row["actor_role"]) if row["actor_role"] else None
    )
    if not ctx.can_see:
        raise _unknown_resource(body.resource_id)
    if owner_id == actor.user_id:
        policy.check(ctx, Action.RESERVATION_CREATE)
    else:
        policy.check(ctx, Action.RESERVATION_CREATE_ON_BEHALF)
        if row["owner_role"] is None:
            raise UnprocessableEntity(
                "owner_id is not a member of this site.",
                errors=[
                    FieldError(loc=["body", "owner_id"], msg="not a site member", type="member")
                ],
            )
    if row["status"] != ResourceStatus.ACTIVE.value:
        raise ResourceUnavailable(
            f"Resource {row['name']!r} is {row['status']} and refuses new bookings."
        )
    rtype = detached(
        ResourceType,
        id=row["type_id"],
        site_id=row["site_id"],
        name=row["type_name"],
        parameters=row["type_parameters"],
        lead_time=row["lead_time"],
        teardown_grace=row["teardown_grace"],
        max_duration=row["max_duration"],
        booking_horizon=row["booking_horizon"],
        minimum_notice=row["minimum_notice"],
        requires_approval=row["requires_approval"],
    )
    now = datetime.now(UTC)
    rules.check_period(rtype, start=body.start, end=body.end, now=now, limits=limits)
    rules.check_parameters(rtype, body.parameters)
    rules.check_quantity(body.quantity, row["capacity"], resource_name=row["name"])

    reservation = detached(
        Reservation,
        id=uuid.uuid4(),
        site_id=row["site_id"],
        resource_id=body.resource_id,
        owner_id=owner_id,
        created_by=actor.user_id,
        title=body.title,
        description=body.description,
        period=Range(body.start, body.end, bounds="[)"),
        status=(S.PENDING if rtype.requires_approval else S.CONFIRMED).value,
        parameters=body.parameters,
        quantity=body.quantity,
        status_reason=None,
        # What the server gives a new row (reservation_db.models.reservation); _BOOK writes
        # these values, so the event and the answer built below say what the row holds.
        provisioning_state=ProvisioningState.PENDING.value,
        provisioning_message=None,
        provisioning_details={},
        provisioning_updated_at=None,
        version=1,
        created_at=row["now"],
        updated_at=row["now"],
    )
    held = rules.widened(rtype, body.start, body.end)
    opening = [
        {**o, "id": uuid.UUID(o["id"])} for o in _json(row["opening_hours"])
    ]  # the site's, the type's and the resource's schedules
    schedule = opening_rules.effective(opening)
    if schedule.restricts or body.override_opening_hours:
        await driver.unpin(session)  # the session's own reads follow
        await opening_service.check_booking(
            session, actor, ctx, schedule, {opening_rules.level_of(o): o["id"] for o in opening},
            reservation_id=reservation.id, start=body.start, end=body.end,
            override=body.override_opening_hours,
        )  # fmt: skip
    # A reservation or maintenance window already committed over the period: the write would
    # fail on the exclusion constraint, so the read's answer is the one it would give, after
    # every check that can refuse before it (quotas are counted after the write). One still
    # uncommitted is met by the write.
    rival = repository.rival_of(row, "rival_")
    if rival is not None:
        raise refusal(ctx, rival)
    # A site without any quota row has none that binds the owner: no quota read, no lock.
    if row["site_has_quotas"] or savepoint:
        await driver.unpin(session)  # the session's own statements follow
    quotas = (
        await fairuse.prepare_quotas(
            session,
            site_id=row["site_id"],
            owner_id=owner_id,
            resource_type_id=row["type_id"],
            owner_is_site_admin=row["owner_role"] == SiteRole.SITE_ADMIN.value,
        )
        if row["site_has_quotas"]
        else []
    )

    read = to_read(reservation)
    data = ReservationEventData(
        reservation=_reservation_data(read),
        resource=ResourceData(
            id=reservation.resource_id,
            name=row["name"],
            status=row["status"],
            type=ResourceTypeRef(id=row["type_id"], name=row["type_name"]),
            attributes=row["attributes"],
            path=[AncestorRef(id=p["id"], name=p["name"]) for p in _json(row["path"])],
        ),
        site=site_ref(site),
        owner=OwnerData(
            id=owner_id,
            username=row["owner_username"] or owner_id,
            email=row["owner_email"],
            ssh_keys=list(row["owner_keys"] or []),
        ),
        request_id=current_request_id(),
    )
    event = make_event(EventType.RESERVATION_CREATED, data)
    event_id = uuid.UUID(hex=event.id.removeprefix("evt_"))
    pending = reservation.status == S.PENDING.value
    carrier = current_carrier()
    params = {
        "id": reservation.id,
        "site_id": reservation.site_id,
        "resource_id": reservation.resource_id,
        "owner_id": owner_id,
        "created_by": actor.user_id,
        "title": reservation.title,
        "description": reservation.description,
        "period": _range(reservation.period),
        "status": reservation.status,
        "parameters": json.dumps(reservation.parameters),
        "quantity": body.quantity,
        "provisioning_state": reservation.provisioning_state,
        "provisioning_details": "{}",
        "now": row["now"],
        "row_version": row["row_version"],
        "held": _range(held),
        "whole": row["capacity"] == 1,
        "event_id": event_id,
        "event_type": str(event.type),
        "payload": event.model_dump_json(),
        "trace_context": json.dumps(carrier) if carrier is not None else None,
        "actor_id": actor.user_id,
        "actor_username": actor.username,
        "entity_id": str(reservation.id),
        "after": read.model_dump_json(),
        "request_id": current_request_id(),
        "pending": pending,
        "message": _MESSAGES[EventType.RESERVATION_CREATED].format(
            title=reservation.title, resource=row["name"], status=reservation.status
        ),
        "params": json.dumps(
            reservation_params(
                reservation, row["name"], series_id=str(series_id) if series_id else None
            )
        ),
        "links": json.dumps(
            [{"rel": "reservation", "href": f"/api/v1/reservations/{reservation.id}"}]
        ),
        "owner_kind": (
            MailKind.BOOKING_AWAITING_APPROVAL if pending else MailKind.BOOKING_CONFIRMED
        ).value,
        "admin_kind": MailKind.APPROVAL_REQUESTED.value,
        "mail_context": json.dumps(
            reservation_context(data, description=reservation.description, actor=actor.username)
        ),
    }
    nested = await session.begin_nested() if savepoint else None
    # A pool's units and the quotas are written and counted after the write, in its transaction.
    alone = alone and not (savepoint or quotas or row["capacity"] > 1)
    try:
        booked = await driver.fetchrow(session, _BOOK, params, alone=alone)
        # A pooled resource: its units are picked now, under the locks taken above.
        shortage = (
            await repository.take_units(
                session,
                reservation_id=reservation.id,
                resource_id=reservation.resource_id,
                period=held,
                quantity=body.quantity,
                capacity=row["capacity"],
            )
            if booked is not None and row["capacity"] > 1
            else None
        )
    except DBAPIError as exc:
        state = sqlstate(exc)
        if state not in (EXCLUSION_VIOLATION, DEADLOCK_DETECTED, FOREIGN_KEY_VIOLATION):
            raise
        if nested is not None or state == FOREIGN_KEY_VIOLATION:
            await (nested.rollback() if nested is not None else session.rollback())
        if state == FOREIGN_KEY_VIOLATION:
            raise Conflict("The resource tree changed while booking; retry.") from exc
        # Without a savepoint: the transaction, if one is open (a booking ``alone`` has none:
        # its refused write ended its own), is rolled back on its connection (its locks
        # released), then the rival is read there in one round trip, then the session ends
        # its transaction with nothing left to send.
        rival = await repository.find_rival(
            session, resource_id=reservation.resource_id, period=held, roll_back=nested is None
        )
        if nested is None:
            await session.rollback()
        if not isinstance(rival, repository.RivalBooking) and state == DEADLOCK_DETECTED:
            # Bookings queue on their locks and cannot deadlock each other; a tree change
            # that copies slots can. Nothing was kept: the client may simply retry.
            raise Conflict("The resource tree changed while booking; retry.") from exc
        raise refusal(ctx, rival) from exc
    if booked is None:
        # The resource row changed since it was read (renamed, moved, retired, its capacity or
        # type changed): nothing was written. Its new state decides at the next attempt.
        await (nested.rollback() if nested is not None else session.rollback())
        raise Conflict("The resource changed while booking; retry.")
    if shortage is not None:
        await (nested.rollback() if nested is not None else session.rollback())
        raise await shortage_problem(
            session, ctx, shortage, resource_id=reservation.resource_id,
            quantity=body.quantity, capacity=row["capacity"],
        )  # fmt: skip
    try:
        await fairuse.enforce_quotas(session, quotas, reservation, now=now)
    except fairuse.QuotaExceeded:
        if nested is not None:
            await nested.rollback()
        raise
    if nested is not None:
        await nested.commit()
    return Booked(reservation, read)


def _range(period: Range[datetime]) -> asyncpg.Range:
    return asyncpg.Range(period.lower, period.upper, lower_inc=True, upper_inc=False)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _reservation_data(read: ReservationRead) -> ReservationData:
    return ReservationData(
        id=read.id,
        title=read.title,
        status=read.status,
        period=Period(start=read.start, end=read.end),
        parameters=read.parameters,
        provisioning=ProvisioningData(
            state=read.provisioning.state,
            message=read.provisioning.message,
            details=read.provisioning.details,
            updated_at=read.provisioning.updated_at,
        ),
        version=read.version,
    )
