"""The files of a fact base: which they are, which of them may be read, and how a problem in one is named.

Apart from the YAML reader (bot/yamlsource.py), so that what only hashes or lists the files (the compiled
cache's key, a reload's check for a change) imports neither PyYAML nor the schema.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "knowledge"
MAX_FILE_BYTES = 32 * 2**20  # one file of the fact base; the real one is 20 KB a file, a 100 times larger 20 MB
EXCERPT = 120  # characters of a problem's message: values are quoted, never echoed whole


def knowledge_dir(directory: Path | str | None) -> Path:
    """The fact base directory: the one given, else $COOPBOT_KNOWLEDGE, else the repository's knowledge/."""
    return Path(directory or os.environ.get("COOPBOT_KNOWLEDGE") or DEFAULT_DIR)


def files(root: Path) -> list[Path]:
    """The files of a fact base, in the order they are read."""
    return sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {_excerpt(self.field)}: {_excerpt(self.message)}"


class KnowledgeError(Exception):
    """The fact base has problems; `problems` lists each one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _excerpt(text: str) -> str:
    """Short and printable: a hostile value cannot flood a terminal or a log, nor write control characters."""
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[: EXCERPT + 1])
    return shown if len(shown) <= EXCERPT else shown[: EXCERPT - 1] + "…"


def refusal(path: Path, root: Path) -> str | None:
    """Why a file of the fact base is not read, if it is not: checked on the file's metadata, never opening
    it (opening a FIFO waits forever)."""
    try:
        target = path.resolve(strict=True)
        mode = target.stat().st_mode
    except (OSError, RuntimeError) as err:  # a dangling link, a loop of links
        return f"cannot be read ({getattr(err, 'strerror', None) or 'a broken link'})"
    if not target.is_relative_to(root.resolve()):
        return "is a link to a file outside the fact base directory"
    if not stat.S_ISREG(mode):
        return "is not a regular file"
    return None
