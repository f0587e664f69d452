"""Which unanswered questions ask the same thing, and the record they most likely concern.

Unanswered questions are clustered across both languages: two questions belong together when they name the
same thing (a record, or a country or body the fact base does not hold: 'Peru' and '페루' are one name to the
reader of questions), unless they ask about different topics; questions that name nothing are compared word
for word within their language.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from rapidfuzz import fuzz

from bot.curation.report_model import Likely
from bot.factbase.model import KnowledgeBase, Lang
from bot.reading.understand import Understander
from bot.serving.convlog import Question

SAME_WORDS = 80.0  # rapidfuzz token_set_ratio at which two questions naming nothing are alike
CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Signature:
    names: frozenset[str]
    topics: frozenset[str]
    words: str
    lang: str


def signature(reader: Understander, row: Question) -> Signature:
    read = reader.read(row.text, cast(Lang, row.lang) if row.lang in ("ko", "en") else None)
    words = " ".join(read.residual)
    return Signature(frozenset(m.target for m in read.mentions), read.topics, words or read.text, row.lang)


def alike(a: Signature, b: Signature) -> bool:
    if a.names or b.names:
        if not a.names & b.names:
            return False
        return not (a.topics and b.topics and not a.topics & b.topics)
    return a.lang == b.lang and fuzz.token_set_ratio(a.words, b.words) >= SAME_WORDS


def clusters(reader: Understander, unanswered: Sequence[Question]) -> list[list[int]]:
    """Indexes of `unanswered` grouped (single link), largest group first, then the most recent."""
    signatures = [signature(reader, row) for row in unanswered]
    parent = list(range(len(signatures)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(signatures):
        for j in range(i + 1, len(signatures)):
            if root(i) != root(j) and alike(a, signatures[j]):
                parent[root(j)] = root(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(signatures)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), -max(unanswered[i].at for i in g)))


def cluster_key(texts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(sorted(texts)).encode()).hexdigest()[:12]


def likely(kb: KnowledgeBase, reader: Understander, texts: Sequence[str], lang: Lang) -> Likely | None:
    """The record a cluster most likely concerns: the thing its questions name most, and the facts that fit
    the questions best (about that thing, sharing their topics and words)."""
    names: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    for text in texts:
        read = reader.read(text, None)
        names.update(m.target for m in read.mentions)
        topics.update(read.topics)
    known = {n for n in names if n in kb.entities}
    entity = shown = None
    if names:
        entity = names.most_common(1)[0][0]  # 'Peru' four times beats PPS named once
        shown = kb.entities[entity].name(lang) if entity in known else entity.removeprefix("other:")
    candidates = candidate_facts(kb, texts, known, set(topics), lang)
    if not candidates:
        return Likely(entity, shown) if entity is not None else None
    best = kb.fact_index[candidates[0]]
    return Likely(entity, shown, best.id, best.text(lang), tuple(candidates))


def candidate_facts(
    kb: KnowledgeBase, texts: Sequence[str], entities: set[str], topics: set[str], lang: Lang
) -> list[str]:
    """Facts ranked for questions: about what they name, on their topics, in their words."""
    joined = " ".join(texts)
    scored = []
    for fact in kb.facts:
        about = len(entities & set(fact.about))
        if entities and not about:
            continue
        shared = len(topics & set(fact.topics))
        words = fuzz.token_set_ratio(joined, fact.text(lang)) / 100
        if about or shared or words >= 0.7:  # a record with nothing in common is no candidate
            scored.append((about * 2 + shared + words, fact.id))
    scored.sort(reverse=True)
    return [ident for _, ident in scored[:CANDIDATES]]
