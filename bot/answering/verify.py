"""Checks of a candidate answer against the question, independent of how the answer was found: what the
question says that the records chosen do not account for."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from bot.answering.confidence import UNACCOUNTED
from bot.factbase.model import Fact, KnowledgeBase
from bot.reading.entities import strip_particles
from bot.reading.understand import Understanding
from bot.reading.vocabulary import STOPWORDS, english_bases
from bot.showing.answer import Answer
from bot.text.normalize import normalize

MIN_WORD = 4  # shorter unexplained words are mostly typos and chat ('pls', 'ya'), not what is asked
# Words of a question's frame: they say how it is asked, not what ('only 18 people ... right?').
FRAME = frozenset(
    {"only", "just", "really", "still", "already", "even", "also", "very", "much", "many", "more", "most"}
)
NOT_ASKED = STOPWORDS | FRAME


def record_words(kb: KnowledgeBase, facts: Sequence[Fact]) -> str:
    """Everything the records say, in both languages, with the names of what they are about."""
    parts: list[str] = []
    for fact in facts:
        parts += [fact.text("ko"), fact.text("en")]
        for eid in fact.about:
            entity = kb.entities[eid]
            parts += [entity.name("ko"), entity.name("en"), *entity.aliases]
    return normalize(" ".join(parts))


def unaccounted(u: Understanding, kb: KnowledgeBase, facts: Sequence[Fact]) -> tuple[str, ...]:
    """The question's words that neither the reading explained (names, topics, cues, ways of asking) nor the
    records hold: 'materialise' in 'Did the expected USD 30 million export effect materialise?'."""
    words = [w for w in u.unexplained if len(w) >= MIN_WORD and not w.isdigit() and w not in NOT_ASKED]
    if not words:
        return ()  # most questions: nothing to look up in the records
    held = record_words(kb, facts)
    forms = {w: [f for f in (*strip_particles(w), *english_bases(w)) if len(f) >= MIN_WORD - 1] for w in words}
    return tuple(w for w in words if not any(f in held for f in forms[w]))


def concerns(kb: KnowledgeBase, fact: Fact, eid: str, generic: Collection[str] = ()) -> bool:
    """Whether a record is about a thing, directly or through what it is about: a record on KEPS concerns Iraq,
    one on ADB the international organisations; a record on Cameroon's contract does not concern Kyrgyzstan
    (through KONEPS, which is everywhere: `generic` things relate nothing)."""
    if eid in fact.about:
        return True
    wanted = kb.entities[eid]
    for about in fact.about:
        if about in generic:
            continue
        entity = kb.entities[about]
        related = (*entity.countries, *entity.partners, *entity.members, entity.country, entity.parent, entity.region)
        if eid in related or about in (*wanted.members, *wanted.countries, *wanted.partners):
            return True
    return False


def checked(answer: Answer, u: Understanding, kb: KnowledgeBase) -> Answer:
    """The answer, its confidence capped when its records do not account for every word of the question."""
    if not answer.matched or not answer.facts or answer.confidence <= UNACCOUNTED:
        return answer
    by_id = kb.fact_index
    if unaccounted(u, kb, [by_id[f] for f in answer.facts if f in by_id]):
        return replace(answer, confidence=UNACCOUNTED)
    return answer
