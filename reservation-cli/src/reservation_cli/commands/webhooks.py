"""``rsv webhooks list|deliveries|redeliver|test`` (site admins)."""

from __future__ import annotations

from typing import Annotated

import typer

from reservation_cli.errors import CliError, ExitCode
from reservation_cli.models import Delivery, PingAccepted, RedeliverCount, Webhook
from reservation_cli.output import OutputFormat, emit_list, emit_one, err_console, local_zone, when
from reservation_cli.session import Session
from reservation_cli.state import OutputOpt, SiteOpt, get_state, output_of, parse_uuid, time_arg
from reservation_cli.timeparse import rfc3339

app = typer.Typer(
    help="Webhooks of a site: subscriptions and their deliveries.", no_args_is_help=True
)
WebhookArg = Annotated[str, typer.Argument(help="Webhook name or id.")]


def resolve_webhook(session: Session, site: str, ref: str) -> Webhook:
    if parse_uuid(ref) is not None:
        return Webhook.model_validate(session.get(f"/sites/{site}/webhooks/{ref}"))
    found = [Webhook.model_validate(w) for w in session.get_all(f"/sites/{site}/webhooks")]
    named = [w for w in found if w.name == ref]
    if len(named) != 1:
        problem = "No webhook" if not named else f"{len(named)} webhooks"
        raise CliError(
            f"{problem} named {ref!r} in site {site}: use its id.",
            ExitCode.NOT_FOUND if not named else ExitCode.USAGE,
        )
    return named[0]


@app.command("list")
def list_webhooks(ctx: typer.Context, site: SiteOpt, output: OutputOpt = None) -> None:
    """Webhook subscriptions of a site.

    \b
    Example:
      rsv webhooks list --site demo-lab
    """
    session = get_state(ctx).session
    items = [Webhook.model_validate(w) for w in session.get_all(f"/sites/{site}/webhooks")]
    emit_list(
        items,
        output_of(ctx, output),
        [
            ("Name", "name"),
            ("URL", "url"),
            ("Enabled", "enabled"),
            ("Failing since", lambda r: when(r["failing_since"])),
            ("Events", lambda r: ", ".join(r["event_types"]) or "all"),
            ("Id", "id"),
        ],
        empty="No webhook in this site.",
    )


@app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    webhook: WebhookArg,
    site: SiteOpt,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, succeeded, failed, cancelled.")
    ] = None,
    event_type: Annotated[
        str | None, typer.Option("--event-type", help="e.g. reservation.created")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Created since: 'yesterday', '2026-12-01'.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 50,
    output: OutputOpt = None,
) -> None:
    """Recent deliveries of a webhook, newest first.

    \b
    Examples:
      rsv webhooks deliveries switch-port --site demo-lab --status failed
      rsv webhooks deliveries switch-port -s demo-lab --since yesterday -o json
    """
    session = get_state(ctx).session
    hook = resolve_webhook(session, site, webhook)
    items = [
        Delivery.model_validate(d)
        for d in session.get_all(
            f"/sites/{site}/webhooks/{hook.id}/deliveries",
            limit=limit,
            status=status,
            event_type=event_type,
            since=rfc3339(time_arg(since, "--since")) if since else None,
        )
    ]
    emit_list(
        items,
        output_of(ctx, output),
        [
            (f"Created ({local_zone()})", lambda r: when(r["created_at"])),
            ("Event", "event_type"),
            ("Status", "status"),
            ("Attempts", "attempts"),
            ("Last code", "last_status_code"),
            ("Last error", "last_error"),
            ("Id", "id"),
        ],
        empty="No delivery.",
    )


@app.command("redeliver")
def redeliver(
    ctx: typer.Context,
    webhook: WebhookArg,
    site: SiteOpt,
    delivery: Annotated[str | None, typer.Argument(help="Delivery id (or --failed-since).")] = None,
    failed_since: Annotated[
        str | None, typer.Option("--failed-since", help="Every failed delivery since this time.")
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Send a delivery again (same webhook-id), or every failed one since a time.

    \b
    Examples:
      rsv webhooks redeliver switch-port 5b1e… --site demo-lab
      rsv webhooks redeliver switch-port --site demo-lab --failed-since "today 00:00"
    """
    if (delivery is None) == (failed_since is None):
        raise typer.BadParameter("give a delivery id or --failed-since", param_hint="DELIVERY")
    session = get_state(ctx).session
    hook = resolve_webhook(session, site, webhook)
    base = f"/sites/{site}/webhooks/{hook.id}/deliveries"
    fmt = output_of(ctx, output)
    if delivery is not None:
        body = session.request("POST", f"{base}/{delivery}/redeliver").json()
        result = Delivery.model_validate(body)
        if fmt is OutputFormat.TABLE:
            err_console().print(f"Delivery {result.id} queued again ({result.status}).")
        else:
            emit_one(result, fmt, [])
        return
    since = rfc3339(time_arg(str(failed_since), "--failed-since"))
    count = RedeliverCount.model_validate(
        session.request("POST", f"{base}/redeliver-failed", json={"since": since}).json()
    )
    if fmt is OutputFormat.TABLE:
        err_console().print(f"{count.redelivered} failed deliveries queued again.")
    else:
        emit_one(count, fmt, [])


@app.command("test")
def test(ctx: typer.Context, webhook: WebhookArg, site: SiteOpt, output: OutputOpt = None) -> None:
    """Send a ping event to the webhook (see it with `rsv webhooks deliveries`).

    \b
    Example:
      rsv webhooks test switch-port --site demo-lab
    """
    session = get_state(ctx).session
    hook = resolve_webhook(session, site, webhook)
    accepted = PingAccepted.model_validate(
        session.request("POST", f"/sites/{site}/webhooks/{hook.id}/test").json()
    )
    fmt = output_of(ctx, output)
    if fmt is OutputFormat.TABLE:
        err_console().print(f"Ping queued as event {accepted.event_id}.")
    else:
        emit_one(accepted, fmt, [])
