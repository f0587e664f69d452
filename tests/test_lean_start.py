"""A command imports what it uses: `coopbot ask` on a compiled fact base starts without PyYAML, the schema, the
database, the metrics or the platforms' entry points."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NOT_FOR_ASK = (
    "yaml",
    "bot.factbase.schema",
    "bot.factbase.loading",
    "bot.serving.database",
    "sqlite3",
    "prometheus_client",
    "importlib.metadata",
)

PROBE = """
import json, sys
from bot.commandline.cli import main
main(["ask", "Kyrgyzstan MOU date"])
print(json.dumps(sorted(sys.modules)))
"""


def modules_after_ask(cache: Path) -> set[str]:
    env = {**os.environ, "COOPBOT_CACHE": str(cache)}
    run = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    return set(json.loads(run.stdout.splitlines()[-1]))


def test_ask_on_a_compiled_base_imports_nothing_it_does_not_use(tmp_path: Path) -> None:
    first = modules_after_ask(tmp_path)  # compiles: reads the YAML
    assert "yaml" in first
    second = modules_after_ask(tmp_path)
    assert {m for m in second if m.startswith(NOT_FOR_ASK)} == set()


def test_serve_still_finds_the_surfaces() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bot.commandline.cli", "serve", "--help"], cwd=REPO, capture_output=True, text=True
    )
    assert run.returncode == 0
    assert "telegram" in run.stdout and "slack" in run.stdout
