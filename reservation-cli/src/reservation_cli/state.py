"""What every command reads from the root options: the session and the output format."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

import typer

from reservation_cli.errors import CliError, ExitCode
from reservation_cli.models import Resource, Site
from reservation_cli.output import OutputFormat
from reservation_cli.session import Session
from reservation_cli.timeparse import parse_duration, parse_time


@dataclass
class State:
    session: Session
    output: OutputFormat
    debug: bool


def get_state(ctx: typer.Context) -> State:
    found = ctx.find_root().obj
    assert isinstance(found, State)
    return found


OutputOpt = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        help="table (default), json, yaml or csv; RSV_OUTPUT sets the default.",
        show_default=False,
    ),
]
SiteOpt = Annotated[str, typer.Option("--site", "-s", help="Site slug or id.")]


def output_of(ctx: typer.Context, output: OutputFormat | None) -> OutputFormat:
    return output or get_state(ctx).output


def time_arg(value: str, option: str) -> datetime:
    try:
        return parse_time(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def duration_arg(value: str, option: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def parse_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def require_uuid(value: str, what: str) -> uuid.UUID:
    found = parse_uuid(value)
    if found is None:
        raise CliError(f"{value!r} is not a {what} id.", ExitCode.USAGE)
    return found


def resolve_resource(session: Session, ref: str, *, site: str | None = None) -> Resource:
    """A resource by id, ``SITE/NAME``, or a name unique among the sites one can see."""
    as_id = parse_uuid(ref)
    if as_id is not None:
        return Resource.model_validate(session.get(f"/resources/{as_id}"))
    if "/" in ref and site is None:
        site, _, ref = ref.partition("/")
    sites = [site] if site else [s.slug for s in all_sites(session)]
    matches: list[Resource] = []
    for slug in sites:
        for item in session.get_all(f"/sites/{slug}/resources", q=ref):
            resource = Resource.model_validate(item)
            if resource.name == ref:
                matches.append(resource)
    if not matches:
        where = f" in site {site}" if site else ""
        raise CliError(f"No resource named {ref!r}{where}.", ExitCode.NOT_FOUND)
    if len(matches) > 1:
        raise CliError(
            f"{len(matches)} resources are named {ref!r}: say which with SITE/NAME or its id.",
            ExitCode.USAGE,
        )
    return matches[0]


def all_sites(session: Session) -> list[Site]:
    return [Site.model_validate(s) for s in session.get_all("/sites")]
