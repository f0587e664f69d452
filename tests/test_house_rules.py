"""The house rules: the core is platform-free, data flows one way, adapters use only what the core exports,
each package of the core imports only what its docstring allows, and no module imports one that imports it
back."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "bot"
ADAPTERS = ROOT / "adapters"
FORBIDDEN = ("adapters", "telegram", "slack_bolt", "slack_sdk", "tornado", "aiohttp")
PACKAGES = sorted(p.parent for p in CORE.glob("*/__init__.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in [*CORE.rglob("*.py"), *ADAPTERS.rglob("*.py")]}


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, fully named, type-checking and in-function imports included; `from bot.x
    import y` names `bot.x.y` when that is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in MODULES}
    return names


def allowed(package: Path) -> set[str]:
    """What a package's docstring says it may import: the `May import:` line."""
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8"))) or ""
    found = re.search(r"May import: (.*?)(?:\n\n|$)", docstring, re.S)
    assert found, f"{package.name}/__init__.py does not say what it may import"
    said = " ".join(found.group(1).split()).rstrip(".")
    if said in ("nothing of bot", "all of bot"):
        return set() if said == "nothing of bot" else {"bot"}
    return {name.strip() for name in said.split(",")}


def ours(name: str) -> str | None:
    """The part of bot a module belongs to: its package (bot.answering) or top-level module (bot.core)."""
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "bot" and len(parts) > 1 else None


def test_core_never_imports_an_adapter_or_a_platform_library() -> None:
    offenders = {
        name: {m.split(".")[0] for m in imported_modules(path)} & set(FORBIDDEN)
        for name, path in MODULES.items()
        if name.startswith("bot")
    }
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_adapters_import_only_what_the_core_package_exports() -> None:
    reaching = {
        name: {m for m in imported_modules(path) if m.startswith("bot.")}
        for name, path in MODULES.items()
        if name.startswith("adapters")
    }
    assert {name: mods for name, mods in reaching.items() if mods} == {}


def test_each_package_of_the_core_imports_only_what_its_docstring_allows() -> None:
    breaches: dict[str, set[str]] = {}
    for package in PACKAGES:
        permitted, own = allowed(package), f"bot.{package.name}"
        if permitted == {"bot"}:
            continue
        for path in package.rglob("*.py"):
            reached = {ours(m) for m in imported_modules(path)} - {None, own}
            if outside := {str(m) for m in reached} - permitted:
                breaches[module_name(path)] = outside
    assert breaches == {}


def test_answering_and_reading_never_reach_serving_curation_or_the_command_line() -> None:
    serving = ("bot.serving", "bot.curation", "bot.commandline")
    reaching = {
        name: {m for m in imported_modules(path) if m.startswith(serving)}
        for name, path in MODULES.items()
        if name.startswith(("bot.answering", "bot.reading", "bot.factbase", "bot.showing", "bot.text"))
    }
    assert {name: mods for name, mods in reaching.items() if mods} == {}


def test_the_leaf_modules_of_the_core_import_nothing_of_it() -> None:
    leaves = ("bot.cache", "bot.commands", "bot.version")
    assert {leaf: {m for m in imported_modules(MODULES[leaf]) if m.startswith("bot")} for leaf in leaves} == {
        leaf: set() for leaf in leaves
    }


def test_no_module_of_the_project_is_longer_than_it_can_be_read_whole() -> None:
    longest = 450
    lengths = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in MODULES.items()}
    assert {name: n for name, n in lengths.items() if n > longest} == {}


def test_no_module_of_the_project_imports_one_that_imports_it_back() -> None:
    graph = {name: imported_modules(path) & set(MODULES) - {name} for name, path in MODULES.items()}
    graph = {name: {d for d in deps if MODULES[d].name != "__init__.py"} for name, deps in graph.items()}
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
