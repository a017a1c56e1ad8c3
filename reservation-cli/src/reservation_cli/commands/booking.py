"""``rsv availability`` and ``rsv book``."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from typing import Annotated, Any

import typer
from rich.text import Text

from reservation_cli.commands.reservations import detail_fields
from reservation_cli.errors import CliError, ExitCode
from reservation_cli.models import BusyPeriod, Reservation, Resource
from reservation_cli.output import (
    OutputFormat,
    console,
    emit_data,
    emit_list,
    emit_one,
    err_console,
    local_zone,
    when,
)
from reservation_cli.session import Session
from reservation_cli.state import (
    OutputOpt,
    duration_arg,
    get_state,
    output_of,
    resolve_resource,
    time_arg,
)
from reservation_cli.timeparse import human_duration, parse_duration, rfc3339

ResourceArg = Annotated[str, typer.Argument(help="Resource id, SITE/NAME, or a unique name.")]
SiteOption = Annotated[str | None, typer.Option("--site", "-s", help="Site of the resource name.")]
TIMELINE_WIDTH = 48
_SETTLED = {"cancelled", "rejected", "failed", "completed"}


def full_spans(busy: list[BusyPeriod]) -> list[tuple[datetime, datetime]]:
    """Where no unit is left: everywhere a span holds it for a resource lending one unit, and
    where the spans' units reach the capacity for a pool."""
    changes: dict[datetime, int] = {}
    for period in busy:
        changes[period.start] = changes.get(period.start, 0) + period.units
        changes[period.end] = changes.get(period.end, 0) - period.units
    capacity = max((p.capacity for p in busy), default=1)
    full: list[tuple[datetime, datetime]] = []
    held, since = 0, None
    for instant in sorted(changes):
        held += changes[instant]
        if held >= capacity and since is None:
            since = instant
        elif held < capacity and since is not None:
            full.append((since, instant))
            since = None
    return full


def free_periods(
    busy: list[BusyPeriod], start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    free: list[tuple[datetime, datetime]] = []
    cursor = start
    for full_start, full_end in full_spans(busy):
        if full_start > cursor:
            free.append((cursor, min(full_start, end)))
        cursor = max(cursor, full_end)
        if cursor >= end:
            break
    if cursor < end:
        free.append((cursor, end))
    return [(a, b) for a, b in free if b > a]


def timeline(busy: list[BusyPeriod], start: datetime, end: datetime) -> Text:
    span = (end - start).total_seconds()
    full = full_spans(busy)
    cells = []
    for i in range(TIMELINE_WIDTH):
        a = start + timedelta(seconds=span * i / TIMELINE_WIDTH)
        b = start + timedelta(seconds=span * (i + 1) / TIMELINE_WIDTH)
        cells.append(any(f_start < b and f_end > a for f_start, f_end in full))
    bar = Text()
    for taken in cells:
        bar.append("█" if taken else "░", style="red" if taken else "green")
    return bar


def availability(
    ctx: typer.Context,
    resource: ResourceArg,
    start: Annotated[str, typer.Option("--from", help="Start of the window.")] = "now",
    end: Annotated[
        str | None, typer.Option("--to", help="End of the window (default: --from + 1 day).")
    ] = None,
    site: SiteOption = None,
    output: OutputOpt = None,
) -> None:
    """Free and busy periods of a resource, with a timeline.

    Busy includes the bookings of its parents and children, widened by lead time and
    teardown grace.

    \b
    Examples:
      rsv availability demo-lab/server-1
      rsv availability server-1 --from "tomorrow 8:00" --to "tomorrow 20:00"
      rsv availability server-1 --from today --to +7d -o json
    """
    session = get_state(ctx).session
    window_start = time_arg(start, "--from")
    window_end = time_arg(end, "--to") if end else window_start + timedelta(days=1)
    if window_end <= window_start:
        raise typer.BadParameter("must be after --from", param_hint="--to")
    found = resolve_resource(session, resource, site=site)
    busy = [
        BusyPeriod.model_validate(p)
        for p in session.get(
            f"/resources/{found.id}/busy", start=rfc3339(window_start), end=rfc3339(window_end)
        )
    ]
    free = free_periods(busy, window_start, window_end)
    fmt = output_of(ctx, output)
    if fmt is not OutputFormat.TABLE:
        emit_data(
            {
                "resource_id": str(found.id),
                "resource": found.name,
                "from": rfc3339(window_start),
                "to": rfc3339(window_end),
                "busy": [p.model_dump(mode="json") for p in busy],
                "free": [{"start": rfc3339(a), "end": rfc3339(b)} for a, b in free],
            },
            fmt,
        )
        return
    out = console()
    out.print(
        f"[bold]{found.name}[/bold]  {when(window_start)} → {when(window_end)} ({local_zone()})"
    )
    line = Text(f"{window_start.astimezone():%H:%M} ")
    line.append_text(timeline(busy, window_start, window_end))
    line.append(f" {window_end.astimezone():%H:%M}")
    out.print(line)
    rows = [("free", a, b, None) for a, b in free] + [
        ("busy", p.start, p.end, p.reservation_id) for p in busy
    ]
    rows.sort(key=lambda r: r[1])
    emit_list(
        [
            {
                "": kind,
                "from": when(a),
                "to": when(b),
                "length": human_duration(b - a),
                "reservation": str(rid or ""),
            }
            for kind, a, b, rid in rows
        ],
        OutputFormat.TABLE,
        [
            ("", ""),
            ("From", "from"),
            ("To", "to"),
            ("Length", "length"),
            ("Reservation", "reservation"),
        ],
    )


def _param(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key.strip():
        raise typer.BadParameter(f"{text!r} is not NAME=VALUE", param_hint="--param")
    try:
        value: Any = json.loads(raw)  # 42, true, "text", [1,2]
    except ValueError:
        value = raw
    return key.strip(), value


def _owner_id(session: Session, resource: Resource, who: str) -> str:
    """A user id for ``--on-behalf``: a member's username or email, or an id as it is."""
    for item in session.get_all(f"/sites/{resource.site_id}/members"):
        user = item["user"]
        if who in (user["username"], user.get("email"), user["id"]):
            return str(user["id"])
    raise CliError(f"{who!r} is not a member of the resource's site.", ExitCode.NOT_FOUND)


def wait_ready(
    session: Session, reservation: Reservation, timeout: timedelta, poll: float
) -> Reservation:
    deadline = time.monotonic() + timeout.total_seconds()
    current = reservation
    with err_console().status("Waiting for provisioning…", spinner="dots") as status:
        while True:
            state = current.provisioning.state
            if state == "ready":
                return current
            if state == "failed" or current.status in _SETTLED:
                message = current.provisioning.message or current.status_reason or ""
                raise CliError(
                    f"Reservation {current.id} is {current.status}, provisioning {state}"
                    + (f": {message}" if message else "."),
                    ExitCode.ERROR,
                )
            if time.monotonic() >= deadline:
                raise CliError(
                    f"Still {current.status} / provisioning {state} after "
                    f"{human_duration(timeout)}: `rsv reservations show {current.id}` follows it.",
                    ExitCode.ERROR,
                )
            status.update(f"Waiting for provisioning: {current.status}, {state}…")
            time.sleep(poll)
            current = Reservation.model_validate(session.get(f"/reservations/{current.id}"))


def book(
    ctx: typer.Context,
    resource: ResourceArg,
    start: Annotated[
        str, typer.Option("--start", help="'tomorrow 9:00', '+1h', '2026-12-05 14:00'.")
    ],
    end: Annotated[str | None, typer.Option("--end", help="End time (or --for).")] = None,
    for_: Annotated[str | None, typer.Option("--for", help="Length: 90m, 2h, 1d.")] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Default: the resource's name.")
    ] = None,
    description: Annotated[str, typer.Option("--description", help="Free text.")] = "",
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param", "-p", help="NAME=VALUE for the type's parameters (JSON values: 42, true)."
        ),
    ] = None,
    on_behalf: Annotated[
        str | None,
        typer.Option(
            "--on-behalf", help="Book for this site member (site admins): username, email or id."
        ),
    ] = None,
    wait: Annotated[
        bool, typer.Option("--wait-ready", help="Wait until provisioning is ready (or failed).")
    ] = False,
    timeout: Annotated[str, typer.Option("--timeout", help="How long --wait-ready waits.")] = "15m",
    poll: Annotated[
        float,
        typer.Option("--poll", min=0.2, help="Seconds between checks while waiting.", hidden=True),
    ] = 2.0,
    site: SiteOption = None,
    output: OutputOpt = None,
) -> None:
    """Book a resource (and so its whole subtree); 3 when the time is taken.

    \b
    Examples:
      rsv book demo-lab/switch-1 --start "tomorrow 9:00" --for 2h --param vlan_id=42
      rsv book server-1 --start +10m --for 90m --wait-ready
      rsv book server-1 --start "monday 9:00" --end "monday 17:00" --on-behalf bob
    """
    if (end is None) == (for_ is None):
        raise typer.BadParameter("give exactly one of --end and --for", param_hint="--end")
    starts = time_arg(start, "--start")
    ends = time_arg(end, "--end") if end else starts + duration_arg(str(for_), "--for")
    if ends <= starts:
        raise typer.BadParameter("must be after --start", param_hint="--end")
    wait_for = duration_arg(timeout, "--timeout")
    parameters = dict(_param(p) for p in param or [])
    session = get_state(ctx).session
    found = resolve_resource(session, resource, site=site)
    body: dict[str, Any] = {
        "resource_id": str(found.id),
        "title": title or found.name,
        "description": description,
        "start": rfc3339(starts),
        "end": rfc3339(ends),
        "parameters": parameters,
    }
    if on_behalf:
        body["owner_id"] = _owner_id(session, found, on_behalf)
    response = session.request(
        "POST", "/reservations", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    created = Reservation.model_validate(response.json())
    fmt = output_of(ctx, output)
    note = err_console()
    if fmt is OutputFormat.TABLE:
        waiting = " (waits for a site admin's approval)" if created.status == "pending" else ""
        note.print(
            f"Booked {found.name}: {when(created.start)} → {when(created.end)}, "
            f"{created.status}{waiting}."
        )
    if wait:
        created = wait_ready(session, created, wait_for, poll)
        if fmt is OutputFormat.TABLE:
            message = created.provisioning.message
            note.print(f"[green]Ready[/green]{': ' + message if message else '.'}")
    emit_one(created, fmt, detail_fields(session) if fmt is OutputFormat.TABLE else [])


__all__ = ["availability", "book", "free_periods", "parse_duration"]
