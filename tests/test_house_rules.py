"""The house rule: the core is platform-free and data flows one way."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "bot"
FORBIDDEN = ("adapters", "telegram", "slack_bolt", "slack_sdk", "tornado", "aiohttp")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    names |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    return {name.split(".")[0] for name in names}


def test_core_never_imports_an_adapter_or_a_platform_library():
    offenders = {p.name: imported_modules(p) & set(FORBIDDEN) for p in CORE.glob("*.py")}
    assert {name: mods for name, mods in offenders.items() if mods} == {}
