"""Every query of the workers: the lifecycle scheduler's due work and what it writes (ledger,
statuses, slots), the reads behind its event payloads, and the retention worker's deletes.

Statements are built once at import (a recursive CTE or the due plan costs more to build than
to run) and take their ids as one array parameter, so each has one statement text whatever
the batch size and its server-side prepared statement is reused.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVarTuple

from reservation_db.models import (
    IdempotencyKey,
    MailMessage,
    Notification,
    OutboxMessage,
    ReservationSlot,
    Site,
    SshKey,
    User,
    WebhookAttempt,
    WebhookDelivery,
    reservation_lifecycle,
)
from reservation_db.models.reservation import Reservation, ReservationStatus
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType
from reservation_db.models.webhook_delivery import DeliveryStatus
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Delete,
    Integer,
    Select,
    SmallInteger,
    String,
    and_,
    any_,
    bindparam,
    case,
    delete,
    func,
    literal,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert

from reservation_be.resources.repository import MAX_DEPTH
from reservation_be.users.repository import SSH_KEYS
from reservation_be.workers.lifecycle import Stage, Step

S = ReservationStatus


def _ids(ids: Sequence[uuid.UUID]) -> BindParameter[Any]:
    value: Any = list(ids)
    return bindparam("ids", value, type_=ARRAY(UUID(as_uuid=True)))


# ---- The lifecycle scheduler: what is due ----------------------------------------------------


class Plan:
    """What is due next for each reservation, and when: the table in the scheduler's docstring
    as SQL. One expression gives the next step and one its due time, so the same two drive both
    the selection of due work and the single query for the next wake-up."""

    def __init__(self, ending_soon_before: timedelta) -> None:
        done = func.coalesce(reservation_lifecycle.c.stage, Stage.NONE)
        start, end = func.lower(Reservation.period), func.upper(Reservation.period)
        pending = Reservation.status == S.PENDING.value
        live = Reservation.status.in_([S.CONFIRMED.value, S.ACTIVE.value])
        active = Reservation.status == S.ACTIVE.value
        gone = Reservation.status.in_([S.CANCELLED.value, S.FAILED.value, S.COMPLETED.value])
        # Booked (or moved) inside the lead time: due from the booking, not late.
        since = func.greatest
        rows: list[tuple[ColumnElement[bool], Step, Any]] = [
            (pending, Step.EXPIRE, start),
            (
                and_(live, done < Stage.STARTING),
                Step.STARTING,
                since(start - ResourceType.lead_time, Reservation.created_at),
            ),
            (and_(live, done < Stage.STARTED), Step.STARTED, since(start, Reservation.created_at)),
            # Before ending_soon: applies only when the check-in deadline comes first.
            (
                and_(
                    active,
                    done < Stage.ENDING_SOON,
                    Reservation.checked_in_at.is_(None),
                    ResourceType.checkin_within.is_not(None),
                    start + ResourceType.checkin_within < end - literal(ending_soon_before),
                ),
                Step.IDLE,
                start + ResourceType.checkin_within,
            ),
            (
                and_(active, done < Stage.ENDING_SOON),
                Step.ENDING_SOON,
                since(end - literal(ending_soon_before), start),
            ),
            (and_(active, done < Stage.ENDED), Step.ENDED, end),
            (
                and_(gone, done.between(Stage.STARTING, Stage.ENDING_SOON)),
                Step.ENDED,
                Reservation.updated_at,
            ),
        ]
        self.step = case(*((cond, literal(int(step))) for cond, step, _ in rows), else_=None)
        self.due_at = case(*((cond, due) for cond, _, due in rows), else_=None)
        # Only what can still move: undecided and live reservations, and ended ones not yet
        # torn down.
        self.candidates = or_(
            Reservation.status.in_([S.PENDING.value, S.CONFIRMED.value, S.ACTIVE.value]),
            Reservation.id.in_(
                select(reservation_lifecycle.c.reservation_id).where(
                    reservation_lifecycle.c.stage.between(Stage.STARTING, Stage.ENDING_SOON)
                )
            ),
        )
        # Built once: constructing these costs more than running them. ``select_due`` takes
        # ``now`` and ``limit``: due reservations, oldest due first, locked, skipping rows
        # another replica holds.
        self.select_due = (
            self._base(select(Reservation, self.step.label("step"), self.due_at.label("due")))
            .where(self.due_at <= bindparam("now"))
            .order_by(self.due_at)
            .limit(bindparam("limit"))
            .with_for_update(of=Reservation, skip_locked=True)
        )
        self.select_next_due = self._base(select(func.min(self.due_at)))

    def _base(self, stmt: Select[Any]) -> Select[Any]:
        return (
            stmt.join(Resource, Resource.id == Reservation.resource_id)
            .join(ResourceType, ResourceType.id == Resource.type_id)
            .outerjoin(
                reservation_lifecycle,
                reservation_lifecycle.c.reservation_id == Reservation.id,
            )
            .where(self.candidates)
            .where(self.due_at.is_not(None))
        )


async def lock_due(
    session: AsyncSession, plan: Plan, *, now: datetime, limit: int
) -> list[tuple[Reservation, Step, datetime]]:
    """Up to ``limit`` reservations due at ``now``, oldest due first, each with its next step
    and due time; locked ``FOR UPDATE SKIP LOCKED`` (replicas take disjoint batches)."""
    rows = await session.execute(plan.select_due, {"now": now, "limit": limit})
    return [(reservation, Step(step), due_at) for reservation, step, due_at in rows]


async def next_due(session: AsyncSession, plan: Plan) -> datetime | None:
    """When the next step of any reservation is due, as this transaction sees it."""
    value: datetime | None = (await session.execute(plan.select_next_due)).scalar_one_or_none()
    return value


# ---- The lifecycle scheduler: what it writes --------------------------------------------------


async def record_stages(
    session: AsyncSession, stages: Sequence[tuple[uuid.UUID, Stage]]
) -> set[uuid.UUID]:
    """Move the ledger forward in one statement; returns the reservations it moved.

    A reservation missing from the result had the stage (or a later one) already: its row was
    selected on a stale view of the ledger (PostgreSQL rechecks a row locked after a concurrent
    commit against its new version, but not the rows joined to it), so its event is left out.
    """
    if not stages:
        return set()
    params = {"ids": [rid for rid, _ in stages], "stages": [int(stage) for _, stage in stages]}
    return set((await session.execute(_ADVANCE, params)).scalars().all())


def _advance_statement() -> ReturningInsert[uuid.UUID]:
    # Arrays, not a VALUES row each: one statement text (compiled once) for any batch size.
    rows = select(
        func.unnest(bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))),
        func.unnest(bindparam("stages", type_=ARRAY(SmallInteger))),
    )
    stmt = insert(reservation_lifecycle).from_select(["reservation_id", "stage"], rows)
    return stmt.on_conflict_do_update(
        index_elements=[reservation_lifecycle.c.reservation_id],
        set_={"stage": stmt.excluded.stage, "updated_at": func.now()},
        where=reservation_lifecycle.c.stage < stmt.excluded.stage,
    ).returning(reservation_lifecycle.c.reservation_id)


_ADVANCE = _advance_statement()


async def write_statuses(session: AsyncSession, changed: Sequence[Reservation]) -> None:
    """Write the status (and reason) each of ``changed`` has in memory: one UPDATE per target
    status.

    The rows are locked by this transaction, so the version check of a per-row flush has
    nothing to catch; the returned version and timestamp become the objects' committed state.
    """
    groups: dict[tuple[str, str | None], list[Reservation]] = defaultdict(list)
    for reservation in changed:
        groups[(reservation.status, reservation.status_reason)].append(reservation)
    with session.no_autoflush:
        for (status, reason), group in groups.items():
            result = await session.execute(
                update(Reservation)
                .where(Reservation.id == any_(_ids([r.id for r in group])))
                .values(status=status, status_reason=reason, version=Reservation.version + 1)
                .returning(Reservation.id, Reservation.version, Reservation.updated_at)
                .execution_options(synchronize_session=False)
            )
            written = {row.id: row for row in result}
            if len(written) != len(group):
                raise RuntimeError("a locked reservation vanished during its status change")
            for reservation in group:
                row = written[reservation.id]
                set_committed_value(reservation, "status", status)
                set_committed_value(reservation, "status_reason", reason)
                set_committed_value(reservation, "version", row.version)
                set_committed_value(reservation, "updated_at", row.updated_at)


async def free_slots(session: AsyncSession, reservation_ids: Sequence[uuid.UUID]) -> None:
    """Delete the slots of ``reservation_ids``: their periods are free again."""
    if reservation_ids:
        await session.execute(
            delete(ReservationSlot).where(
                ReservationSlot.reservation_id == any_(_ids(reservation_ids))
            )
        )


# ---- Event payloads: four reads for a whole batch ---------------------------------------------

_RESOURCE_IDS = bindparam("ids", type_=ARRAY(UUID(as_uuid=True)))

_RESOURCES = (
    select(Resource, ResourceType.name, Site.slug, Site.name)
    .join(ResourceType, ResourceType.id == Resource.type_id)
    .join(Site, Site.id == Resource.site_id)
    .where(Resource.id == any_(_RESOURCE_IDS))
)

_OWNERS = (
    select(User.id, User.username, User.email, SSH_KEYS)
    .outerjoin(SshKey, SshKey.user_id == User.id)
    .where(User.id == any_(bindparam("ids", type_=ARRAY(String))))
    .group_by(User.id)
)


def _paths_statement() -> Select[uuid.UUID, uuid.UUID, str]:
    """(resource, ancestor id, ancestor name) for every ancestor, root first per resource."""
    start = select(
        Resource.id.label("start_id"),
        Resource.parent_id.label("parent_id"),
        literal(0, Integer).label("depth"),
    ).where(Resource.id == any_(_RESOURCE_IDS))
    path = start.cte("path", recursive=True)
    parent = aliased(Resource, name="parent")
    path = path.union_all(
        select(path.c.start_id, parent.parent_id, path.c.depth + 1)
        .join(parent, parent.id == path.c.parent_id)
        .where(path.c.depth < MAX_DEPTH)
    )
    ancestor = aliased(Resource, name="ancestor")
    return (
        select(path.c.start_id, ancestor.id, ancestor.name)
        .join(ancestor, ancestor.id == path.c.parent_id)
        .order_by(path.c.start_id, path.c.depth.desc())
    )


_PATHS = _paths_statement()


async def ancestors(
    session: AsyncSession, resource_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, str]]:
    """(resource, ancestor id, ancestor name) for every ancestor of ``resource_ids``, root first
    per resource."""
    rows = await session.execute(_PATHS, {"ids": list(resource_ids)})
    return [(start_id, ancestor_id, name) for start_id, ancestor_id, name in rows]


async def resources(
    session: AsyncSession, resource_ids: Sequence[uuid.UUID]
) -> list[tuple[Resource, str, str, str]]:
    """Each of ``resource_ids`` with its type's name and its site's slug and name."""
    rows = await session.execute(_RESOURCES, {"ids": list(resource_ids)})
    return [(resource, type_name, slug, name) for resource, type_name, slug, name in rows]


async def owners(
    session: AsyncSession, user_ids: Sequence[str]
) -> list[tuple[str, str, str | None, list[str]]]:
    """Each of ``user_ids`` with username, e-mail and public SSH keys (oldest first)."""
    rows = await session.execute(_OWNERS, {"ids": list(user_ids)})
    return [(user_id, username, email, list(keys)) for user_id, username, email, keys in rows]


# ---- Retention: one batch of rows older than a cutoff, per table ------------------------------

_Purge = Callable[[ColumnElement[datetime], int], Delete]


_Ts = TypeVarTuple("_Ts")


def _locked(rows: Select[*_Ts], batch: int) -> Select[*_Ts]:
    """Up to ``batch`` of ``rows``, locked, skipping rows another transaction holds; the lock
    re-checks the conditions against each row's latest version."""
    return rows.limit(batch).with_for_update(skip_locked=True)


def _outbox(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    published = OutboxMessage.published_at
    due = select(OutboxMessage.id).where(published.is_not(None), published < cutoff)
    return delete(OutboxMessage).where(OutboxMessage.id.in_(_locked(due, batch)))


def _deliveries(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    finished = func.coalesce(WebhookDelivery.completed_at, WebhookDelivery.updated_at)
    due = select(WebhookDelivery.id).where(
        WebhookDelivery.status != DeliveryStatus.PENDING.value, finished < cutoff
    )
    # Attempts go with their delivery (ON DELETE CASCADE).
    return delete(WebhookDelivery).where(WebhookDelivery.id.in_(_locked(due, batch)))


def _attempts(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    # The delivery row is locked too: a redelivery (back to pending) waits, or its attempts are
    # skipped.
    due = (
        select(WebhookAttempt.id)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .where(
            WebhookDelivery.status != DeliveryStatus.PENDING.value,
            WebhookAttempt.started_at < cutoff,
        )
    )
    return delete(WebhookAttempt).where(WebhookAttempt.id.in_(_locked(due, batch)))


def _notifications(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    due = select(Notification.id).where(Notification.created_at < cutoff)
    return delete(Notification).where(Notification.id.in_(_locked(due, batch)))


def _mail_queue(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    # Any status: a mail still pending after the retention period (no SMTP server configured
    # all along) is not worth sending any more.
    due = select(MailMessage.id).where(MailMessage.created_at < cutoff)
    return delete(MailMessage).where(MailMessage.id.in_(_locked(due, batch)))


def _idempotency_keys(cutoff: ColumnElement[datetime], batch: int) -> Delete:
    key = (IdempotencyKey.owner_id, IdempotencyKey.key)
    due = select(*key).where(IdempotencyKey.created_at < cutoff)
    return delete(IdempotencyKey).where(tuple_(*key).in_(_locked(due, batch)))


# Deliveries before attempts: most old attempts leave with their delivery.
_PURGES: dict[str, _Purge] = {
    "outbox": _outbox,
    "webhook_deliveries": _deliveries,
    "webhook_attempts": _attempts,
    "notifications": _notifications,
    "idempotency_keys": _idempotency_keys,
    "mail_queue": _mail_queue,
}
RETENTION_TABLES = tuple(_PURGES)


def purge_statement(table: str, *, keep: timedelta, batch: int) -> Delete:
    """The delete of one batch (at most ``batch`` rows) of ``table`` older than ``keep``."""
    return _PURGES[table](func.now() - literal(keep), batch)


async def delete_batch(session: AsyncSession, statement: Delete) -> int:
    """Run one :func:`purge_statement`; returns the rows it deleted."""
    result = await session.execute(statement)
    return result.rowcount if isinstance(result, CursorResult) else 0
