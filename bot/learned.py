"""Ways of asking that curators taught (knowledge/learned.yaml), and how a question is matched to one.

A taught question answers with its record when a new question is the same once normalised, or nearly
the same (a slip of the keys, a particle): rapidfuzz's ratio of at least LEARNED_SCORE. `teach` writes
the file: human-readable YAML, one entry per teaching, validated on the next load like every other file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.model import Fact, KnowledgeBase
from bot.normalize import normalize

LEARNED_FILE = "learned.yaml"
LEARNED_SCORE = 90.0
HEADER = (
    "# Ways of asking taught by curators from Slack (/coop report). Written by coopbot; review it in git like\n"
    "# any other file. Each entry: the record (fact) these questions get, who accepted it (a keyed hash) and when.\n"
)


_PUNCTUATION = re.compile(r"[^\w\s]|_")  # what is neither str.isalnum() nor str.isspace()


def key(question: str) -> str:
    """A question as it is compared: normalised, lower case, without punctuation and extra spaces."""
    return " ".join(_PUNCTUATION.sub(" ", normalize(question).casefold()).split())


class LearnedIndex:
    def __init__(self, kb: KnowledgeBase) -> None:
        facts = {f.id: f for f in kb.facts}
        self._facts: dict[str, Fact] = {}
        for taught in kb.learned:
            if taught.fact in facts and (k := key(taught.question)):
                self._facts[k] = facts[taught.fact]
        self._keys = list(self._facts)

    def match(self, question: str) -> Fact | None:
        if not self._keys:
            return None
        asked = key(question)
        if asked in self._facts:
            return self._facts[asked]
        found = process.extractOne(asked, self._keys, scorer=fuzz.ratio, score_cutoff=LEARNED_SCORE)
        return self._facts[found[0]] if found else None


def teach(directory: Path, fact: str, questions: Sequence[str], by: str, now: datetime | None = None) -> Path:
    """Append a teaching to knowledge/learned.yaml (written whole to a temporary file, then renamed)."""
    import yaml  # only a curator's teaching writes YAML; answering never imports it

    path = directory / LEARNED_FILE
    entries = []
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        entries = list(data.get("learned") or [])
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    entries.append({"fact": fact, "questions": [q.strip() for q in questions if q.strip()], "by": by, "at": when})
    text = HEADER + yaml.safe_dump({"learned": entries}, allow_unicode=True, sort_keys=False, width=100)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)
    return path
