"""``rsv events tail``: your live updates (the API's Server-Sent Events stream)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any

import typer

from reservation_cli.output import OutputFormat, console, err_console, when
from reservation_cli.state import OutputOpt, get_state, output_of

app = typer.Typer(
    help="Live updates: notifications and changes of your reservations.", no_args_is_help=True
)
MAX_RECONNECTS = 100


def parse_sse(lines: Iterator[str]) -> Iterator[tuple[str, str | None, str]]:
    """(event, id, data) for each event of a text/event-stream; comments are skipped."""
    event: str = "message"
    event_id: str | None = None
    data: list[str] = []
    for line in lines:
        if line == "":
            if data:
                yield event, event_id, "\n".join(data)
            event, event_id, data = "message", None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id":
            event_id = value


def _describe(event: str, data: dict[str, Any]) -> str:
    if event == "notification":
        return f"[bold]{when(data.get('created_at'))}[/bold]  {data.get('message', '')}"
    if event == "reservation":
        state = (data.get("provisioning") or {}).get("state", "")
        title = data.get("title") or data.get("id")
        return f"[bold]{event}[/bold]  {title}: {data.get('status', '')}" + (
            f", provisioning {state}" if state else ""
        )
    return f"[bold]{event}[/bold]  {json.dumps(data)}"


@app.command("tail")
def tail(
    ctx: typer.Context,
    count: Annotated[
        int | None, typer.Option("--count", "-n", min=1, help="Stop after this many events.")
    ] = None,
    output: OutputOpt = None,
) -> None:
    """Print live updates as they happen (Ctrl-C stops); json prints one object a line.

    \b
    Examples:
      rsv events tail
      rsv events tail -o json | jq -r .event
    """
    session = get_state(ctx).session
    fmt = output_of(ctx, output)
    out = console()
    seen = 0
    last_id: str | None = None
    try:
        for _ in range(MAX_RECONNECTS):
            params: dict[str, str] = {}
            # The stream ends when the access token expires: reconnect with a fresh one,
            # replaying the notifications missed meanwhile.
            with session.stream("/events/stream", params=params, last_event_id=last_id) as response:
                if last_id is None and seen == 0:
                    err_console().print("Listening for live updates (Ctrl-C stops).")
                for event, event_id, raw in parse_sse(response.iter_lines()):
                    last_id = event_id or last_id
                    try:
                        data = json.loads(raw)
                    except ValueError:
                        data = {"data": raw}
                    if fmt is OutputFormat.TABLE:
                        out.print(_describe(event, data))
                    else:
                        out.print(
                            json.dumps({"event": event, "id": event_id, "data": data}),
                            markup=False,
                            soft_wrap=True,
                        )
                    seen += 1
                    if count is not None and seen >= count:
                        return
    except KeyboardInterrupt:
        return
