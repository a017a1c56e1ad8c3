"""``rsv login``, ``rsv logout``, ``rsv whoami``."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from reservation_cli.config import remove_profile, save_profile
from reservation_cli.errors import CliError
from reservation_cli.models import Me
from reservation_cli.output import OutputFormat, emit_one, err_console, when
from reservation_cli.session import normalise_server
from reservation_cli.state import OutputOpt, get_state, output_of


def _print_qr(url: str) -> None:
    """A QR code of the verification URL, when stdout is a terminal wide enough for it."""
    if not sys.stdout.isatty():
        return
    import segno

    qr = segno.make(url, error="l")
    width = qr.symbol_size(border=2)[0]
    if os.get_terminal_size(sys.stdout.fileno()).columns < width:
        return
    qr.terminal(out=sys.stdout, compact=True, border=2)


def login(
    ctx: typer.Context,
    server: Annotated[
        str | None,
        typer.Option(
            "--server", help="The platform's URL (saved in the profile).", show_default=False
        ),
    ] = None,
    qr: Annotated[bool, typer.Option("--qr/--no-qr", help="Show a QR code of the URL.")] = True,
) -> None:
    """Sign in with the device authorization grant: open the URL, enter the code.

    \b
    Examples:
      rsv login --server https://reservations.example.org
      rsv --profile lab2 login --server https://lab2.example.org
    """
    state = get_state(ctx)
    session = state.session
    if server is not None:
        session.server_override = server
    if session.server_override is not None:
        profile = session.discover(normalise_server(session.server_override))
    else:
        profile = session.profile()
    session._profile = profile
    oidc = session.oidc()
    grant = oidc.start_device_authorization()
    out = err_console()
    out.print(f"To sign in to [bold]{profile.server}[/bold] (profile {profile.name}):")
    out.print(f"  open   [bold cyan]{grant.verification_uri}[/bold cyan]")
    out.print(f"  enter  [bold]{grant.user_code}[/bold]")
    if grant.verification_uri_complete:
        out.print(f"  or go straight to {grant.verification_uri_complete}", soft_wrap=True)
        if qr:
            _print_qr(grant.verification_uri_complete)
    with out.status("Waiting for the browser…", spinner="dots"):
        tokens = oidc.poll_device_token(grant)
    save_profile(profile)
    session.store.save(profile.name, tokens)
    me = Me.model_validate(session.get("/users/me"))
    out.print(
        f"Logged in to {profile.server} as [bold]{me.username}[/bold] "
        f"(tokens in the {session.store.kind})."
    )


def logout(ctx: typer.Context) -> None:
    """Revoke the session at the identity provider and forget the tokens of this profile."""
    session = get_state(ctx).session
    tokens = session.store.load(session.profile_name)
    out = err_console()
    if tokens is None:
        out.print(f"Not logged in (profile {session.profile_name}).")
        return
    revoked = False
    if tokens.refresh_token is not None:
        try:
            revoked = session.oidc().revoke(tokens.refresh_token)
        except CliError as exc:
            out.print(f"[yellow]Could not revoke the session:[/yellow] {exc.message}")
    session.store.delete(session.profile_name)
    out.print(
        f"Logged out (profile {session.profile_name})"
        + ("; the session is revoked." if revoked else "; the tokens are forgotten.")
    )


def forget(
    ctx: typer.Context,
    profile: Annotated[str, typer.Argument(help="The profile to remove.")],
) -> None:
    """Remove a profile and its tokens (without contacting the server)."""
    session = get_state(ctx).session
    session.store.delete(profile)
    remove_profile(profile)
    err_console().print(f"Profile {profile} removed.")


def whoami(ctx: typer.Context, output: OutputOpt = None) -> None:
    """Who the API sees: your user, and where the CLI got its credentials.

    \b
    Examples:
      rsv whoami
      rsv whoami -o json | jq -r .username
    """
    state = get_state(ctx)
    session = state.session
    me = Me.model_validate(session.get("/users/me"))
    fmt = output_of(ctx, output)
    if fmt is not OutputFormat.TABLE:
        emit_one(me, fmt, [])
        return
    emit_one(
        me.model_dump(mode="json")
        | {"server": session.profile().server, "credentials": session.credential_source()},
        fmt,
        [
            ("User", "username"),
            ("Name", "display_name"),
            ("Email", "email"),
            ("Id", "id"),
            ("Platform admin", "is_platform_admin"),
            ("Service account", "is_service_account"),
            ("Member since", lambda r: when(r["created_at"])),
            ("Server", "server"),
            ("Credentials", "credentials"),
        ],
    )
