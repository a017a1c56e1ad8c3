"""The ``rsv`` command: root options, the command tree, and how errors end a run."""

from __future__ import annotations

import json
import os
import sys
import traceback
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from reservation_cli.commands import auth, booking, events, reservations, resources, sites, webhooks
from reservation_cli.errors import CliError, ExitCode
from reservation_cli.output import OutputFormat, err_console
from reservation_cli.session import Session
from reservation_cli.state import State

EPILOG = (
    "Exit codes: 0 ok, 1 error, 2 usage or bad input, 3 conflict, 4 not found, "
    "5 not logged in or not allowed. Environment: RSV_PROFILE, RSV_SERVER, RSV_OUTPUT, "
    "RSV_TOKEN, RSV_CLIENT_ID + RSV_CLIENT_SECRET."
)


class RsvGroup(TyperGroup):
    """Turns every expected failure into one line on stderr and its exit code."""

    def invoke(self, ctx: Any) -> Any:  # click's Context, vendored by Typer
        try:
            return super().invoke(ctx)
        except CliError as exc:
            _report(ctx, exc.message, exc.detail)
            raise typer.Exit(int(exc.code)) from None


def _report(ctx: Any, message: str, detail: Any) -> None:
    state = ctx.obj
    debug = isinstance(state, State) and state.debug
    out = err_console()
    out.print(f"[red]Error:[/red] {message}", markup=True, highlight=False, soft_wrap=True)
    if debug:
        if detail is not None:
            text = json.dumps(detail, indent=2) if not isinstance(detail, str) else detail
            out.print(text, markup=False, soft_wrap=True)
        out.print("".join(traceback.format_exc()), markup=False, soft_wrap=True)


app = typer.Typer(
    cls=RsvGroup,
    name="rsv",
    help="Book resources of the reservation platform from a terminal or a script.",
    epilog=EPILOG,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-P",
            help="Profile (installation) to use; RSV_PROFILE.",
            show_default=False,
        ),
    ] = None,
    server: Annotated[
        str | None,
        typer.Option("--server", help="API URL for this run; RSV_SERVER.", show_default=False),
    ] = None,
    output: Annotated[
        OutputFormat | None,
        typer.Option(
            "--output", "-o", help="table, json, yaml or csv; RSV_OUTPUT.", show_default=False
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show problem details and tracebacks.")
    ] = False,
) -> None:
    env_output = os.environ.get("RSV_OUTPUT")
    if output is None and env_output:
        try:
            output = OutputFormat(env_output)
        except ValueError:
            raise typer.BadParameter(
                f"RSV_OUTPUT={env_output!r} is not one of table, json, yaml, csv",
                param_hint="RSV_OUTPUT",
            ) from None
    session = Session.from_env(profile, server, debug)
    ctx.obj = State(session=session, output=output or OutputFormat.TABLE, debug=debug)
    ctx.call_on_close(session.close)


app.command()(auth.login)
app.command()(auth.logout)
app.command()(auth.whoami)
app.command("forget-profile")(auth.forget)
app.command()(booking.availability)
app.command()(booking.book)
app.add_typer(sites.app, name="sites")
app.add_typer(resources.app, name="resources")
app.add_typer(reservations.app, name="reservations")
app.add_typer(reservations.approvals, name="approvals")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(events.app, name="events")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["ExitCode", "app", "main"]
