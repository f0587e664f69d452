"""The house rules: the core is platform-free, data flows one way, adapters use only what the core exports,
and no module imports one that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "bot"
ADAPTERS = ROOT / "adapters"
FORBIDDEN = ("adapters", "telegram", "slack_bolt", "slack_sdk", "tornado", "aiohttp")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, fully named, type-checking imports included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return names


def module_name(path: Path) -> str:
    return f"{path.parent.name}.{path.stem}"


def test_core_never_imports_an_adapter_or_a_platform_library() -> None:
    offenders = {p.name: {m.split(".")[0] for m in imported_modules(p)} & set(FORBIDDEN) for p in CORE.glob("*.py")}
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_adapters_import_only_what_the_core_package_exports() -> None:
    reaching = {p.name: {m for m in imported_modules(p) if m.startswith("bot.")} for p in ADAPTERS.glob("*.py")}
    assert {name: mods for name, mods in reaching.items() if mods} == {}


def test_no_module_of_the_project_imports_one_that_imports_it_back() -> None:
    files = [*CORE.glob("*.py"), *ADAPTERS.glob("*.py")]
    ours = {module_name(p) for p in files if p.stem != "__init__"}
    graph = {module_name(p): imported_modules(p) & ours - {module_name(p)} for p in files if p.stem != "__init__"}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        for dep in sorted(graph[module]):
            if dep == path[0]:
                cycles.append([*path, dep])
            elif dep not in path and dep > path[0]:  # each cycle found once, from its smallest module
                visit(dep, [*path, dep])

    for module in sorted(graph):
        visit(module, [module])
    assert cycles == []
