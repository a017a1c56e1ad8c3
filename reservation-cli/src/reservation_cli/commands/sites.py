"""``rsv sites list|show``."""

from __future__ import annotations

from typing import Annotated

import typer

from reservation_cli.models import Site
from reservation_cli.output import emit_list, emit_one, when
from reservation_cli.state import OutputOpt, get_state, output_of

app = typer.Typer(help="Sites: the places that lend resources.", no_args_is_help=True)

COLUMNS = [
    ("Slug", "slug"),
    ("Name", "name"),
    ("Visibility", "visibility"),
    ("My role", "my_role"),
    ("Id", "id"),
]


@app.command("list")
def list_sites(
    ctx: typer.Context,
    q: Annotated[str | None, typer.Option("--q", "-q", help="Text in the name or slug.")] = None,
    output: OutputOpt = None,
) -> None:
    """Sites you can see.

    \b
    Examples:
      rsv sites list
      rsv sites list -q lab -o json
    """
    session = get_state(ctx).session
    sites = [Site.model_validate(s) for s in session.get_all("/sites", q=q)]
    emit_list(sites, output_of(ctx, output), COLUMNS, empty="No site is visible to you.")


@app.command("show")
def show_site(
    ctx: typer.Context,
    site: Annotated[str, typer.Argument(help="Slug or id.")],
    output: OutputOpt = None,
) -> None:
    """One site.

    \b
    Example:
      rsv sites show demo-lab
    """
    found = Site.model_validate(get_state(ctx).session.get(f"/sites/{site}"))
    emit_one(
        found,
        output_of(ctx, output),
        [
            ("Name", "name"),
            ("Slug", "slug"),
            ("Description", "description"),
            ("Visibility", "visibility"),
            ("My role", "my_role"),
            ("Id", "id"),
            ("Created", lambda r: when(r["created_at"])),
        ],
    )
