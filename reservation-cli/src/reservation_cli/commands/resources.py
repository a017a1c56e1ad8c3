"""``rsv resources list|show|tree|import|export``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)
from rich.tree import Tree

from reservation_cli.errors import CliError, ExitCode
from reservation_cli.models import ImportResult, Resource, ResourceTreeNode, ResourceType
from reservation_cli.output import OutputFormat, console, emit_list, emit_one, err_console, when
from reservation_cli.session import Session
from reservation_cli.state import OutputOpt, SiteOpt, get_state, output_of, resolve_resource

app = typer.Typer(help="Resources: what can be booked, in a hierarchy.", no_args_is_help=True)

COLUMNS = [
    ("Name", "name"),
    ("Status", "status"),
    ("Location", "location"),
    ("Attributes", "attributes"),
    ("Id", "id"),
]
UPLOAD_CHUNK = 16 * 1024


def _type_id(session: Session, site: str, ref: str) -> str:
    for item in session.get_all(f"/sites/{site}/resource-types"):
        kind = ResourceType.model_validate(item)
        if ref in (kind.name, str(kind.id)):
            return str(kind.id)
    raise CliError(f"No resource type {ref!r} in site {site}.", ExitCode.NOT_FOUND)


@app.command("list")
def list_resources(
    ctx: typer.Context,
    site: SiteOpt,
    q: Annotated[
        str | None, typer.Option("--q", "-q", help="Text in name, description, location.")
    ] = None,
    type_: Annotated[
        str | None, typer.Option("--type", "-t", help="Resource type name or id.")
    ] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="active, maintenance, retired.")
    ] = None,
    parent: Annotated[
        str | None, typer.Option("--parent", help="Only direct children of this resource.")
    ] = None,
    roots: Annotated[
        bool, typer.Option("--roots", help="Only resources without a parent.")
    ] = False,
    attr: Annotated[
        list[str] | None, typer.Option("--attr", help="KEY=VALUE the attributes contain.")
    ] = None,
    sort: Annotated[
        str | None,
        typer.Option(
            "--sort", help="name, -name, created_at, -created_at, status, location (the API's)."
        ),
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Resources of a site, with the API's filters.

    \b
    Examples:
      rsv resources list --site demo-lab
      rsv resources list -s demo-lab --type Server --attr rack=A -o csv
    """
    session = get_state(ctx).session
    attributes = None
    if attr:
        pairs = dict(_key_value(a, "--attr") for a in attr)
        attributes = json.dumps(pairs)
    params: dict[str, Any] = {
        "q": q,
        "type_id": _type_id(session, site, type_) if type_ else None,
        "status": status or None,
        "parent_id": str(resolve_resource(session, parent, site=site).id) if parent else None,
        "roots_only": "true" if roots else None,
        "attributes": attributes,
        "sort": sort,
    }
    items = [
        Resource.model_validate(r) for r in session.get_all(f"/sites/{site}/resources", **params)
    ]
    emit_list(items, output_of(ctx, output), COLUMNS, empty="No resource matches.")


def _key_value(text: str, option: str) -> tuple[str, object]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise typer.BadParameter(f"{text!r} is not KEY=VALUE", param_hint=option)
    try:
        value: object = json.loads(raw)
    except ValueError:
        value = raw
    return key.strip(), value


@app.command("show")
def show_resource(
    ctx: typer.Context,
    resource: Annotated[str, typer.Argument(help="Id, SITE/NAME, or a unique name.")],
    site: Annotated[str | None, typer.Option("--site", "-s", help="Site slug or id.")] = None,
    output: OutputOpt = None,
) -> None:
    """One resource.

    \b
    Examples:
      rsv resources show demo-lab/switch-1
      rsv resources show 3f0c… -o yaml
    """
    found = resolve_resource(get_state(ctx).session, resource, site=site)
    emit_one(
        found,
        output_of(ctx, output),
        [
            ("Name", "name"),
            ("Status", "status"),
            ("Description", "description"),
            ("Location", "location"),
            ("Attributes", "attributes"),
            ("Parent", "parent_id"),
            ("Id", "id"),
            ("Site", "site_id"),
            ("Type", "type_id"),
            ("Updated", lambda r: when(r["updated_at"])),
        ],
    )


@app.command("tree")
def tree(
    ctx: typer.Context,
    site: Annotated[str | None, typer.Option("--site", "-s", help="Site slug or id.")] = None,
    root: Annotated[
        str | None, typer.Option("--root", help="Only this resource's subtree.")
    ] = None,
    output: OutputOpt = None,
) -> None:
    """The hierarchy of a site's resources (or of one subtree).

    \b
    Examples:
      rsv resources tree --site demo-lab
      rsv resources tree --root demo-lab/rack-a -o json
    """
    session = get_state(ctx).session
    if root is None and site is None:
        raise typer.BadParameter("give --site or --root", param_hint="--site")
    if root is not None:
        top = resolve_resource(session, root, site=site)
        nodes = [
            ResourceTreeNode.model_validate(n)
            for n in session.get_all(f"/resources/{top.id}/subtree")
        ]
        resources: list[Resource] = list(nodes)
    else:
        resources = [
            Resource.model_validate(r) for r in session.get_all(f"/sites/{site}/resources")
        ]
    fmt = output_of(ctx, output)
    children: dict[str | None, list[Resource]] = {}
    ids = {str(r.id) for r in resources}
    for resource in resources:
        parent = str(resource.parent_id) if resource.parent_id else None
        children.setdefault(parent if parent in ids else None, []).append(resource)
    if fmt is not OutputFormat.TABLE:

        def nested(resource: Resource) -> dict[str, object]:
            body = resource.model_dump(mode="json")
            body["children"] = [nested(c) for c in children.get(str(resource.id), [])]
            return body

        from reservation_cli.output import emit_data

        emit_data([nested(r) for r in children.get(None, [])], fmt)
        return
    label = f"site {site}" if root is None else "subtree"
    view = Tree(f"[bold]{label}[/bold] ({len(resources)} resources)")

    def add(branch: Tree, resource: Resource) -> None:
        status = "" if resource.status == "active" else f" [yellow]({resource.status})[/yellow]"
        node = branch.add(f"{resource.name}{status} [dim]{resource.location}[/dim]")
        for child in sorted(children.get(str(resource.id), []), key=lambda r: r.name):
            add(node, child)

    for top_level in sorted(children.get(None, []), key=lambda r: r.name):
        add(view, top_level)
    console().print(view)


@app.command("export")
def export(
    ctx: typer.Context,
    site: SiteOpt,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """A site's resources as CSV (the format `rsv resources import` reads).

    \b
    Example:
      rsv resources export --site demo-lab -f resources.csv
    """
    text = get_state(ctx).session.request("GET", f"/sites/{site}/resources/export").text
    if file is None:
        typer.echo(text, nl=False)
        return
    file.write_text(text, encoding="utf-8")
    err_console().print(f"Wrote {text.count(chr(10)) - 1} resources to {file}.")


@app.command("import")
def import_csv(
    ctx: typer.Context,
    site: SiteOpt,
    file: Annotated[
        Path,
        typer.Argument(
            help="CSV: name,type,parent,description,location,status,attributes",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
    ],
    output: OutputOpt = None,
) -> None:
    """Create resources from a CSV file (site admins); all rows or none.

    \b
    Example:
      rsv resources import --site demo-lab servers.csv
    """
    session = get_state(ctx).session
    data = file.read_bytes()
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=err_console(),
        transient=True,
    )

    def chunks(task: TaskID) -> Iterator[bytes]:
        for offset in range(0, len(data), UPLOAD_CHUNK):
            piece = data[offset : offset + UPLOAD_CHUNK]
            yield piece
            progress.advance(task, len(piece))
        progress.update(task, description="The server creates the resources")

    with progress:
        task = progress.add_task(f"Uploading {file.name}", total=len(data))
        response = session.request(
            "POST",
            f"/sites/{site}/resources/import",
            content=chunks(task),
            headers={"Content-Type": "text/csv", "Content-Length": str(len(data))},
        )
    result = ImportResult.model_validate(response.json())
    fmt = output_of(ctx, output)
    if fmt is OutputFormat.TABLE:
        err_console().print(f"Created {result.created} resources in {site}.")
    emit_list(result.items, fmt, COLUMNS)
