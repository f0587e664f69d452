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
from bot.text.normalize import is_hangul, normalize, syllables

MIN_WORD = 4  # shorter unexplained words are mostly typos and chat ('pls', 'ya'), not what is asked
KO_MIN_SYLLABLES = 2
# Endings of a Korean predicate or of a question's frame ('왔어', '열렸나요', '뭐임', '해줘'): how it is asked.
KO_PREDICATE_ENDS = (
    "어", "요", "야", "음", "나", "니", "지", "까", "다", "함",
    "임", "죠", "냐", "래", "며", "데", "해", "줘", "고", "서",
)  # fmt: skip
# Words of a question's frame: they say how it is asked, not what ('only 18 people ... right?').
FRAME = frozenset(
    {"only", "just", "really", "still", "already", "even", "also", "very", "much", "many", "more", "most"}
    | {"넘게", "이상", "이하", "미만", "정도", "거의", "혹시", "대략", "그냥", "진짜", "정말", "모두", "전부", "각각"}
)
NOT_ASKED = STOPWORDS | FRAME


def record_words(kb: KnowledgeBase, facts: Sequence[Fact], entities: Sequence[str] = ()) -> str:
    """Everything the records say, in both languages, with the names of what they are about; and what the
    overviews of `entities` say (an answer that is an overview has no records)."""
    parts: list[str] = []
    for fact in facts:
        parts += [fact.text("ko"), fact.text("en")]
        for eid in fact.about:
            entity = kb.entities[eid]
            parts += [entity.name("ko"), entity.name("en"), *entity.aliases]
    for eid in entities:
        entity = kb.entities[eid]
        parts += [entity.name("ko"), entity.name("en"), *entity.aliases, entity.summary("ko"), entity.summary("en")]
    return normalize(" ".join(parts))


def unaccounted(
    u: Understanding, kb: KnowledgeBase, facts: Sequence[Fact], entities: Sequence[str] = ()
) -> tuple[str, ...]:
    """The question's words that neither the reading explained (names, topics, cues, ways of asking) nor the
    records hold: 'materialise' in 'Did the expected USD 30 million export effect materialise?', '만족도' in 'ADB
    연수 만족도 조사 결과는?'. A Korean word that ends as a verb does ('왔어', '열렸나요') says how it is asked."""
    words = [w for w in u.unexplained if _asks_something(w)]
    if not words:
        return ()  # most questions: nothing to look up in the records
    held = record_words(kb, facts, entities)
    return tuple(w for w in words if not any(f in held for f in _forms(w)))


def _asks_something(word: str) -> bool:
    if word.isdigit() or word in NOT_ASKED:
        return False
    if is_hangul(word[0]):
        return syllables(word) >= KO_MIN_SYLLABLES and not word.endswith(KO_PREDICATE_ENDS)
    return len(word) >= MIN_WORD


def _forms(word: str) -> list[str]:
    """The forms of a word a record may hold: without particles or endings; a Korean noun's first two syllables
    (연수 in 연수생)."""
    forms = [f for f in (*strip_particles(word), *english_bases(word)) if len(f) >= MIN_WORD - 1 or is_hangul(f[0])]
    return [*forms, word[:KO_MIN_SYLLABLES]] if is_hangul(word[0]) else forms


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
    """The answer, its confidence capped when its records (or the overview it gives) do not account for every word
    of the question."""
    if not answer.matched or answer.confidence <= UNACCOUNTED:
        return answer
    by_id = kb.fact_index
    facts = [by_id[f] for f in answer.facts if f in by_id]
    if unaccounted(u, kb, facts, () if facts else [e for e in answer.entities if e in kb.entities]):
        return replace(answer, confidence=UNACCOUNTED)
    return answer
