"""CSV import and export of a site's resources.

Columns: ``name,type,parent,description,location,status,attributes``; ``type`` and ``parent``
are names (the parent may be another line of the same file), ``attributes`` a JSON object.
An import is all-or-nothing: every line is checked first and any error refuses the whole file
with one problem listing the errors per line.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from reservation_db.models.resource import Resource
from reservation_db.models.resource_type import ResourceType

from reservation_be.kit.errors import FieldError, UnprocessableEntity
from reservation_be.resources.repository import MAX_DEPTH
from reservation_be.resources.schemas import ResourceCreate

COLUMNS = ["name", "type", "parent", "description", "location", "status", "attributes"]
REQUIRED = {"name", "type"}
MAX_LINES = 5000


class CsvImportError(UnprocessableEntity):
    slug, title = "csv-import-error", "The CSV file has errors; nothing was imported"


@dataclass
class Line:
    number: int
    name: str
    type_name: str
    parent_name: str | None
    fields: dict[str, Any] = field(default_factory=dict)


def _error(line: int, column: str | None, msg: str) -> FieldError:
    loc: list[str | int] = ["body", "line", line]
    if column is not None:
        loc.append(column)
    return FieldError(loc=loc, msg=msg, type="csv")


@dataclass
class Parsed:
    lines: list[Line]
    errors: list[FieldError]
    names: set[str]  # every name in the file, also of lines with errors


def parse(raw: bytes) -> Parsed:
    """Decode the file and check the shape of every line, collecting the errors per line."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvImportError("The file is not UTF-8 text.") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = REQUIRED - set(header)
    unknown = set(header) - set(COLUMNS)
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing columns: {', '.join(sorted(missing))}")
        if unknown:
            parts.append(f"unknown columns: {', '.join(sorted(unknown))}")
        raise CsvImportError(
            f"Header {', '.join(parts)}; expected {','.join(COLUMNS)}.",
            errors=[_error(1, None, "; ".join(parts))],
        )
    lines: list[Line] = []
    errors: list[FieldError] = []
    names: set[str] = set()
    try:
        rows = list(reader)
    except csv.Error as exc:
        line = reader.reader.line_num  # the DictReader's own count lags one row
        raise CsvImportError(
            f"Malformed CSV at line {line}: {exc}.", errors=[_error(line, None, str(exc))]
        ) from exc
    if len(rows) > MAX_LINES:
        raise CsvImportError(f"At most {MAX_LINES} lines per import.")
    if not rows:
        raise CsvImportError("The file has a header but no resources.")
    for number, row in enumerate(rows, start=2):
        if None in row:  # more cells than columns
            errors.append(_error(number, None, "more cells than header columns"))
            continue
        cells = {k: (v or "").strip() for k, v in row.items()}
        with_nul = [column for column, value in cells.items() if "\x00" in value]
        if with_nul:  # PostgreSQL's text cannot hold it, not even in a lookup
            errors.append(_error(number, with_nul[0], "must not contain NUL (\\u0000)"))
            continue
        names.add(cells.get("name", ""))
        attributes: Any = {}
        if cells.get("attributes"):
            try:
                attributes = json.loads(cells["attributes"])
            except json.JSONDecodeError as exc:
                errors.append(_error(number, "attributes", f"not JSON: {exc.msg}"))
                continue
            except RecursionError:
                errors.append(_error(number, "attributes", "nested too deeply"))
                continue
            if not isinstance(attributes, dict):
                errors.append(_error(number, "attributes", "must be a JSON object"))
                continue
            if (problem := _unstorable(attributes)) is not None:
                errors.append(_error(number, "attributes", problem))
                continue
        if not cells.get("type"):
            errors.append(_error(number, "type", "required"))
            continue
        fields: dict[str, Any] = {
            "name": cells.get("name", ""),
            "description": cells.get("description", ""),
            "location": cells.get("location", ""),
            "attributes": attributes,
        }
        if cells.get("status"):
            fields["status"] = cells["status"]
        try:
            # Same validation as the JSON API; type and parent are resolved later by name.
            ResourceCreate.model_validate(
                {**fields, "type_id": "00000000-0000-0000-0000-000000000000"}
            )
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else None
                errors.append(_error(number, column, err["msg"]))
            continue
        lines.append(
            Line(
                number=number,
                name=fields["name"],
                type_name=cells["type"],
                parent_name=cells.get("parent") or None,
                fields=fields,
            )
        )
    return Parsed(lines=lines, errors=errors, names=names)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(value: Any) -> str | None:
    """Why PostgreSQL's ``jsonb`` would refuse ``value`` (escapes in the cell can spell NUL,
    unpaired surrogates and numbers beyond a double), or None."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            if "\x00" in node:
                return "must not contain NUL (\\u0000)"
            if _SURROGATE.search(node):
                return "must not contain unpaired UTF-16 surrogates"
        elif isinstance(node, float) and not math.isfinite(node):
            return "numbers must be finite"
    return None


def resolve(
    parsed: Parsed, *, types: dict[str, ResourceType], existing: dict[str, Resource]
) -> list[Line]:
    """Check names against the site and the file; return the lines parents first, or raise
    one problem listing every error of every line."""
    lines = parsed.lines
    errors = list(parsed.errors)
    in_file: dict[str, Line] = {}
    names_in_file = parsed.names
    for line in lines:
        if line.name in in_file:
            errors.append(
                _error(line.number, "name", f"duplicate of line {in_file[line.name].number}")
            )
        elif line.name in existing:
            errors.append(_error(line.number, "name", "a resource with this name exists"))
        in_file.setdefault(line.name, line)
        if line.type_name not in types:
            errors.append(_error(line.number, "type", f"unknown resource type {line.type_name!r}"))
        if line.parent_name is not None and line.parent_name not in names_in_file | set(existing):
            errors.append(_error(line.number, "parent", f"unknown parent {line.parent_name!r}"))
    ordered = _parents_first(lines, in_file, errors)
    if errors:
        errors.sort(key=lambda e: int(e.loc[2]))
        raise CsvImportError(_summary(errors), errors=errors)
    return ordered


def _parents_first(
    lines: list[Line], in_file: dict[str, Line], errors: list[FieldError]
) -> list[Line]:
    """The lines ordered so a parent comes before its children; cycles and chains deeper
    than the hierarchy allows become errors. Iterative: a file may hold a chain of any length."""
    ordered: list[Line] = []
    depth: dict[str, int] = {}  # of a line already ordered, below the file's own roots
    for line in lines:
        chain: list[Line] = []  # from ``line`` up to the first ancestor already ordered
        on_chain: set[str] = set()
        current: Line | None = line
        while current is not None and current.name not in depth:
            if current.name in on_chain:
                errors.append(_error(current.number, "parent", "parents form a cycle"))
                break
            on_chain.add(current.name)
            chain.append(current)
            parent = in_file.get(current.parent_name or "")
            if parent is current:
                errors.append(
                    _error(current.number, "parent", "a resource cannot be its own parent")
                )
                parent = None
            current = parent
        above = depth[current.name] if current is not None and current.name in depth else -1
        for member in reversed(chain):
            above += 1
            depth[member.name] = above
            if above > MAX_DEPTH:
                errors.append(_error(member.number, "parent", f"more than {MAX_DEPTH} levels deep"))
            ordered.append(member)
    return ordered


def _summary(errors: list[FieldError]) -> str:
    shown = "; ".join(
        f"line {e.loc[2]}{' ' + str(e.loc[3]) if len(e.loc) > 3 else ''}: {e.msg}"
        for e in errors[:5]
    )
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return f"{len(errors)} error(s): {shown}{more}."


def export(
    resources: list[Resource], *, types: dict[str, ResourceType], names: dict[Any, str]
) -> str:
    by_id = {t.id: t.name for t in types.values()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in resources:
        writer.writerow(
            [
                r.name,
                by_id.get(r.type_id, ""),
                names.get(r.parent_id, "") if r.parent_id else "",
                r.description,
                r.location,
                r.status,
                json.dumps(r.attributes, sort_keys=True) if r.attributes else "",
            ]
        )
    return out.getvalue()
