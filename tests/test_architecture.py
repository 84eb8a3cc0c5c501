"""Rules of the code's shape that keep it easy to change, checked by reading the source (ast), not by running it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "helpdesk"
BENCH = PACKAGE.parent / "bench"
HISTORY_WRITER = PACKAGE / "history" / "service.py"
# Shared by every handler module; not a handler module itself.
WEB_HELPERS = "helpdesk.web_helpers"
MAX_MODULE_LINES = 420


def _modules(*roots: Path) -> list[Path]:
    return sorted(path for root in roots for path in root.rglob("*.py") if "migrations" not in path.parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _is_handler_module(tree: ast.Module) -> bool:
    """Defines a Litestar Controller: a module of route handlers."""
    return any(isinstance(node, ast.ClassDef) and any(
        (isinstance(base, ast.Name) and base.id == "Controller") for base in node.bases) for node in tree.body)


def _imports(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


HANDLER_MODULES = {_module_name(path): path for path in _modules(PACKAGE) if _is_handler_module(_tree(path))}


def test_the_handler_modules_are_found():
    assert {"helpdesk.customers.web", "helpdesk.tickets.web", "helpdesk.tickets.api", "helpdesk.claims.web",
            "helpdesk.claims.public", "helpdesk.claims.api", "helpdesk.search.web"} <= set(HANDLER_MODULES)


@pytest.mark.parametrize("module", sorted(HANDLER_MODULES))
def test_no_handler_module_imports_another(module):
    """What two handler modules share lives in helpdesk.web_helpers (or a plain module of their area)."""
    imported = _imports(_tree(HANDLER_MODULES[module]))
    others = {name for name in imported if name in HANDLER_MODULES and name != module}
    assert not others, f"{module} imports handler module(s) {sorted(others)}"
    assert WEB_HELPERS not in HANDLER_MODULES


@pytest.mark.parametrize("module", sorted(HANDLER_MODULES))
def test_handlers_run_no_sql_of_their_own(module):
    """Reads live in <area>/queries.py, writes in services: a handler module imports no SQL toolkit."""
    tree = _tree(HANDLER_MODULES[module])
    sql = {name for name in _imports(tree) if name.split(".")[0] in ("sqlalchemy", "sqlmodel")}
    assert not sql, f"{module} imports {sorted(sql)}"
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
             and node.func.attr in ("exec", "execute", "get", "add", "delete", "scalar", "scalars")
             and isinstance(node.func.value, ast.Name) and node.func.value.id == "session"]
    assert not calls, f"{module} calls session.{calls[0].func.attr}() on line {calls[0].lineno}"


def _writes_interactions(tree: ast.Module) -> list[int]:
    """Lines that construct an Interaction or insert into its table."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if name == "Interaction":
            lines.append(node.lineno)
        elif name == "insert" and node.args and "Interaction" in ast.unparse(node.args[0]):
            lines.append(node.lineno)
        elif isinstance(func, ast.Attribute) and func.attr == "insert" and "Interaction" in ast.unparse(func.value):
            lines.append(node.lineno)
    return lines


def test_the_writer_check_sees_the_one_writer():
    """The check below would notice a second writer: it does see the first."""
    assert _writes_interactions(_tree(HISTORY_WRITER))
    assert _writes_interactions(ast.parse("from sqlalchemy import insert\ninsert(Interaction.__table__)"))
    assert _writes_interactions(ast.parse("Interaction.__table__.insert()"))


@pytest.mark.parametrize("path", [p for p in _modules(PACKAGE, BENCH) if p != HISTORY_WRITER],
                         ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_only_the_history_service_writes_history(path):
    """Every entry goes through helpdesk.history.service, which queues it for the search index."""
    lines = _writes_interactions(_tree(path))
    assert not lines, f"{path.name} writes interactions itself on line(s) {lines}; use helpdesk.history.service"


@pytest.mark.parametrize("path", _modules(PACKAGE, BENCH), ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_modules_stay_small(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines; split it by subject"


def _rendered_templates(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg in ("template_name", "page", "partial") \
                and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            found.add(node.value.value)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.endswith(".html"):
            found.add(node.value)
    return found


@pytest.mark.parametrize("module", sorted(HANDLER_MODULES))
def test_handlers_render_templates_of_their_own_area(module):
    """Folders lead to the feature: a handler's templates live under templates/<its area>/."""
    area = module.split(".")[1]
    foreign = {name for name in _rendered_templates(_tree(HANDLER_MODULES[module])) if name.split("/")[0] != area}
    assert not foreign, f"{module} renders {sorted(foreign)}"
