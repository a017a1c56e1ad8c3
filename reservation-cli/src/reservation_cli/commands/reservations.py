"""``rsv reservations list|show|extend|move|cancel|check-in|release`` and
``rsv approvals list|approve|reject``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer

from reservation_cli.models import Reservation, Resource
from reservation_cli.output import emit_list, emit_one, err_console, local_zone, when
from reservation_cli.session import Session
from reservation_cli.state import (
    OutputOpt,
    duration_arg,
    get_state,
    output_of,
    require_uuid,
    resolve_resource,
    time_arg,
)
from reservation_cli.timeparse import rfc3339

app = typer.Typer(
    help="Your reservations (and, for site admins, those of the site).", no_args_is_help=True
)
approvals = typer.Typer(
    help="Reservations waiting for a site admin's decision.", no_args_is_help=True
)

ReservationArg = Annotated[str, typer.Argument(help="Reservation id.")]


class ResourceNames:
    """Resource names for tables, each looked up once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.names: dict[str, str] = {}

    def __call__(self, row: dict[str, Any]) -> str:
        key = str(row["resource_id"])
        if key not in self.names:
            try:
                self.names[key] = Resource.model_validate(
                    self.session.get(f"/resources/{key}")
                ).name
            except Exception:  # a resource one may no longer see keeps its id
                self.names[key] = key
        return self.names[key]


def columns(session: Session) -> list[tuple[str, Any]]:
    zone = local_zone()
    return [
        ("Title", "title"),
        ("Resource", ResourceNames(session)),
        (f"Start ({zone})", lambda r: when(r["start"])),
        (f"End ({zone})", lambda r: when(r["end"])),
        ("Status", "status"),
        ("Provisioning", lambda r: r["provisioning"]["state"]),
        ("Id", "id"),
    ]


def detail_fields(session: Session) -> list[tuple[str, Any]]:
    zone = local_zone()
    return [
        ("Title", "title"),
        ("Resource", ResourceNames(session)),
        (f"Start ({zone})", lambda r: when(r["start"])),
        (f"End ({zone})", lambda r: when(r["end"])),
        ("Status", "status"),
        ("Reason", "status_reason"),
        ("Checked in", lambda r: when(r.get("checked_in_at"))),
        ("Provisioning", lambda r: r["provisioning"]["state"]),
        ("Provisioning message", lambda r: r["provisioning"]["message"]),
        ("Parameters", "parameters"),
        ("Owner", "owner_id"),
        ("Id", "id"),
        ("Version", "version"),
    ]


def fetch(session: Session, reservation: str) -> tuple[Reservation, str]:
    """The reservation and its ETag (for If-Match)."""
    rid = require_uuid(reservation, "reservation")
    response = session.request("GET", f"/reservations/{rid}")
    return Reservation.model_validate(response.json()), response.headers.get("ETag", "")


def _patch(session: Session, reservation: str, body: dict[str, Any]) -> Reservation:
    current, etag = fetch(session, reservation)
    response = session.request(
        "PATCH", f"/reservations/{current.id}", json=body, headers={"If-Match": etag}
    )
    return Reservation.model_validate(response.json())


def _decide(session: Session, reservation: str, decision: str, reason: str | None) -> Reservation:
    current, etag = fetch(session, reservation)
    response = session.request(
        "POST",
        f"/reservations/{current.id}/{decision}",
        json={"reason": reason} if reason else None,
        headers={"If-Match": etag},
    )
    return Reservation.model_validate(response.json())


@app.command("list")
def list_reservations(
    ctx: typer.Context,
    site: Annotated[
        str | None,
        typer.Option("--site", "-s", help="Site slug or id (site admins see all of it)."),
    ] = None,
    resource: Annotated[
        str | None, typer.Option("--resource", "-r", help="Only this resource (and --subtree).")
    ] = None,
    subtree: Annotated[
        bool, typer.Option("--subtree", help="With --resource: its descendants too.")
    ] = False,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status", help="pending, confirmed, active, completed, cancelled, rejected, failed."
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="Overlapping this period: from…")
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="…to.")] = None,
    owner: Annotated[str | None, typer.Option("--owner", help="Owner's user id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Not only yours (what you may see).")] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many.")] = 200,
    output: OutputOpt = None,
) -> None:
    """Reservations, yours by default, by start time.

    \b
    Examples:
      rsv reservations list
      rsv reservations list --from today --to +7d --status confirmed -o json
      rsv reservations list --site demo-lab --all
    """
    session = get_state(ctx).session
    mine = not (all_ or site or resource or owner)
    params: dict[str, Any] = {
        "mine": "true" if mine else None,
        "site": site,
        "resource_id": str(resolve_resource(session, resource, site=site).id) if resource else None,
        "include_subtree": "true" if subtree else None,
        "owner_id": owner,
        "status": status or None,
        "start": rfc3339(time_arg(start, "--from")) if start else None,
        "end": rfc3339(time_arg(end, "--to")) if end else None,
    }
    items = [
        Reservation.model_validate(r)
        for r in session.get_all("/reservations", limit=limit, **params)
    ]
    emit_list(items, output_of(ctx, output), columns(session), empty="No reservation.")


@app.command("show")
def show(ctx: typer.Context, reservation: ReservationArg, output: OutputOpt = None) -> None:
    """One reservation, with its provisioning state.

    \b
    Example:
      rsv reservations show 7d4c… -o yaml
    """
    session = get_state(ctx).session
    found, _ = fetch(session, reservation)
    emit_one(found, output_of(ctx, output), detail_fields(session))


@app.command("extend")
def extend(
    ctx: typer.Context,
    reservation: ReservationArg,
    by: Annotated[str | None, typer.Option("--by", help="Longer by this much: 30m, 2h.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="New end: 'tomorrow 18:00'.")] = None,
    output: OutputOpt = None,
) -> None:
    """Move the end later (or earlier); 3 when the time is taken.

    \b
    Examples:
      rsv reservations extend 7d4c… --by 1h
      rsv reservations extend 7d4c… --until "friday 18:00"
    """
    if (by is None) == (until is None):
        raise typer.BadParameter("give exactly one of --by and --until", param_hint="--by")
    session = get_state(ctx).session
    current, _ = fetch(session, reservation)
    new_end = current.end + duration_arg(by, "--by") if by else time_arg(str(until), "--until")
    updated = _patch(session, reservation, {"end": rfc3339(new_end)})
    _done(ctx, updated, output, f"Now ends {when(updated.end)}.")


@app.command("move")
def move(
    ctx: typer.Context,
    reservation: ReservationArg,
    start: Annotated[
        str | None, typer.Option("--start", help="New start; the length stays unless --end.")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="New end.")] = None,
    resource: Annotated[
        str | None, typer.Option("--resource", "-r", help="Another resource of the site.")
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Move to another time and/or resource; 3 when that is taken.

    \b
    Examples:
      rsv reservations move 7d4c… --start "tomorrow 14:00"
      rsv reservations move 7d4c… --resource demo-lab/server-2
    """
    if start is None and end is None and resource is None:
        raise typer.BadParameter("give --start, --end or --resource", param_hint="--start")
    session = get_state(ctx).session
    current, _ = fetch(session, reservation)
    body: dict[str, Any] = {}
    new_start: datetime | None = time_arg(start, "--start") if start else None
    if new_start is not None:
        body["start"] = rfc3339(new_start)
        body["end"] = rfc3339(new_start + (current.end - current.start))
    if end is not None:
        body["end"] = rfc3339(time_arg(end, "--end"))
    if resource is not None:
        body["resource_id"] = str(resolve_resource(session, resource).id)
    updated = _patch(session, reservation, body)
    _done(ctx, updated, output, f"Moved: {when(updated.start)} → {when(updated.end)}.")


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    reservation: ReservationArg,
    reason: Annotated[str | None, typer.Option("--reason", help="Told to the owner.")] = None,
    output: OutputOpt = None,
) -> None:
    """Cancel a reservation; its time is free again at once.

    \b
    Example:
      rsv reservations cancel 7d4c… --reason "done early"
    """
    updated = _decide(get_state(ctx).session, reservation, "cancel", reason)
    _done(ctx, updated, output, f"Cancelled {updated.title!r}.")


@app.command("check-in")
def check_in(ctx: typer.Context, reservation: ReservationArg, output: OutputOpt = None) -> None:
    """Say you are using your reservation: a type with a check-in time releases a booking not
    checked in by then. From 15 minutes before the start until the end; 3 otherwise.

    \b
    Example:
      rsv reservations check-in 7d4c…
    """
    rid = require_uuid(reservation, "reservation")
    response = get_state(ctx).session.request("POST", f"/reservations/{rid}/check-in")
    updated = Reservation.model_validate(response.json())
    at = when(updated.checked_in_at) if updated.checked_in_at else "now"
    _done(ctx, updated, output, f"Checked in to {updated.title!r} ({at}).")


@app.command("release")
def release(ctx: typer.Context, reservation: ReservationArg, output: OutputOpt = None) -> None:
    """End a running reservation now: the rest of its time is free again; 3 when it is not
    running (cancel one that has not started).

    \b
    Example:
      rsv reservations release 7d4c…
    """
    rid = require_uuid(reservation, "reservation")
    response = get_state(ctx).session.request("POST", f"/reservations/{rid}/release")
    updated = Reservation.model_validate(response.json())
    _done(ctx, updated, output, f"Released {updated.title!r} at {when(updated.end)}.")


def _done(ctx: typer.Context, updated: Reservation, output: Any, message: str) -> None:
    fmt = output_of(ctx, output)
    if fmt.value == "table":
        err_console().print(message)
        emit_one(updated, fmt, detail_fields(get_state(ctx).session))
    else:
        emit_one(updated, fmt, [])


@approvals.command("list")
def list_pending(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Site slug or id.")] = None,
    output: OutputOpt = None,
) -> None:
    """Pending reservations of the sites you administer.

    \b
    Example:
      rsv approvals list --site demo-lab
    """
    session = get_state(ctx).session
    items = [
        Reservation.model_validate(r)
        for r in session.get_all("/reservations", site=site, status="pending")
    ]
    emit_list(items, output_of(ctx, output), columns(session), empty="Nothing waits for approval.")


@approvals.command("approve")
def approve(
    ctx: typer.Context,
    reservation: ReservationArg,
    reason: Annotated[str | None, typer.Option("--reason", help="Told to the owner.")] = None,
    output: OutputOpt = None,
) -> None:
    """Approve a pending reservation.

    \b
    Example:
      rsv approvals approve 7d4c…
    """
    updated = _decide(get_state(ctx).session, reservation, "approve", reason)
    _done(ctx, updated, output, f"Approved {updated.title!r}.")


@approvals.command("reject")
def reject(
    ctx: typer.Context,
    reservation: ReservationArg,
    reason: Annotated[str, typer.Option("--reason", help="Told to the owner.")],
    output: OutputOpt = None,
) -> None:
    """Reject a pending reservation; its time is free again.

    \b
    Example:
      rsv approvals reject 7d4c… --reason "maintenance that week"
    """
    updated = _decide(get_state(ctx).session, reservation, "reject", reason)
    _done(ctx, updated, output, f"Rejected {updated.title!r}.")
