"""One SQL style for the shared tables: the repositories build statements from the models, never
from SQL strings, so a renamed column breaks at import or in mypy, not in production."""

from __future__ import annotations

import ast
from pathlib import Path

import reservation_db.repositories

REPOSITORIES = Path(reservation_db.repositories.__file__).resolve().parent


def test_no_repository_writes_sql_as_a_string() -> None:
    modules = sorted(REPOSITORIES.glob("*.py"))
    assert len(modules) >= 6
    offenders = []
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "sqlalchemy":
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name == "text"]
            if isinstance(node, ast.Attribute) and node.attr in {"text", "exec_driver_sql"}:
                offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
    assert offenders == []
