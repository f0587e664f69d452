"""Ways of asking that curators taught (knowledge/learned.yaml), and how a question is matched to one.

A taught question answers with its record when a new question is the same once normalised, or nearly
the same (a slip of the keys, a particle): rapidfuzz's ratio of at least LEARNED_SCORE. Curators write the
file from where they work (bot/curation/teaching.py).
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from bot.factbase.model import Fact, KnowledgeBase
from bot.text.normalize import normalize

LEARNED_FILE = "learned.yaml"
LEARNED_SCORE = 90.0


_PUNCTUATION = re.compile(r"[^\w\s]|_")  # what is neither str.isalnum() nor str.isspace()


def key(question: str) -> str:
    """A question as it is compared: normalised, lower case, without punctuation and extra spaces."""
    return " ".join(_PUNCTUATION.sub(" ", normalize(question).casefold()).split())


class LearnedIndex:
    def __init__(self, kb: KnowledgeBase) -> None:
        facts = kb.fact_index
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
