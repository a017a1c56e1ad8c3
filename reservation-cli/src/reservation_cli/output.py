"""Everything printed on stdout: Rich tables for people, ``json``/``yaml``/``csv`` for scripts.

Machine output has a stable shape: a list of objects for listings, one object otherwise, with the
API's field names and RFC 3339 times. Tables show times in the local zone.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

import yaml
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"
    CSV = "csv"


Cell = Callable[[dict[str, Any]], Any]
Column = tuple[str, str | Cell]


def console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def err_console() -> Console:
    return Console(stderr=True, highlight=False)


def local_zone() -> str:
    return datetime.now().astimezone().strftime("%Z") or "local"


def when(value: Any) -> str:
    """A time for people: local zone, weekday, no seconds, the year when not this one."""
    if value is None or value == "":
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    local = moment.astimezone()
    if local.year == datetime.now().year:
        return local.strftime("%a %d %b %H:%M")
    return local.strftime("%a %d %b %Y %H:%M")


def plain(value: BaseModel | dict[str, Any]) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return value


def _cell(row: dict[str, Any], column: str | Cell) -> str:
    value = column(row) if callable(column) else row.get(column)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":")) if value else ""
    return str(value)


def _machine(data: Any, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.JSON:
        return json.dumps(data, indent=2, ensure_ascii=False)
    if fmt is OutputFormat.YAML:
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n")
    rows = data if isinstance(data, list) else [data]
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: json.dumps(v, separators=(",", ":")) if isinstance(v, dict | list) else v
                for k, v in row.items()
            }
        )
    return buffer.getvalue().rstrip("\n")


def emit_list(
    items: Iterable[BaseModel | dict[str, Any]],
    fmt: OutputFormat,
    columns: Sequence[Column],
    *,
    title: str | None = None,
    empty: str = "Nothing found.",
) -> None:
    rows = [plain(item) for item in items]
    out = console()
    if fmt is not OutputFormat.TABLE:
        out.print(_machine(rows, fmt), markup=False, soft_wrap=True)
        return
    if not rows:
        out.print(empty)
        return
    table = Table(title=title, title_justify="left", header_style="bold")
    for header, _ in columns:
        table.add_column(header, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row, column) for _, column in columns))
    out.print(table)


def emit_one(item: BaseModel | dict[str, Any], fmt: OutputFormat, fields: Sequence[Column]) -> None:
    row = plain(item)
    out = console()
    if fmt is not OutputFormat.TABLE:
        out.print(_machine(row, fmt), markup=False, soft_wrap=True)
        return
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for label, column in fields:
        table.add_row(label, _cell(row, column))
    out.print(table)


def emit_data(data: Any, fmt: OutputFormat) -> None:
    """Machine output of any JSON value (for table mode, callers print their own view)."""
    console().print(_machine(data, fmt), markup=False, soft_wrap=True)
