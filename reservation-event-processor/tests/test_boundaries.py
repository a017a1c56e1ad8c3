"""The processor is a deployable of its own: it shares the schema through ``reservation_db`` (its
models and repositories) and never imports the API's package, so its image carries no backend
code."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import reservation_event_processor

PACKAGE = Path(reservation_event_processor.__file__).resolve().parent
REPO = PACKAGE.parents[2]
FORBIDDEN = "reservation_be"


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_module_of_the_processor_imports_the_backend() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 5
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            name for name in _imported_modules(path) if name.split(".")[0] == FORBIDDEN
        )
        for path in modules
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_processor_writes_the_shared_tables_only_through_their_repositories() -> None:
    # Statements that write, or SQL as a string, live in reservation_db.repositories.
    writes = {"insert", "update", "delete", "text"}
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
                offenders += [f"{path.name}: {a.name}" for a in node.names if a.name in writes]
    assert offenders == []


def test_the_processor_does_not_depend_on_the_backend_package() -> None:
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    packages = {p["name"]: p for p in lock["package"]}

    def closure(name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return seen
        seen.add(name)
        for dependency in packages[name].get("dependencies", []):
            closure(dependency["name"], seen)
        return seen

    installed = closure("reservation-event-processor", set())
    assert "reservation-db" in installed
    assert "reservation-be" not in installed
