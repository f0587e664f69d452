"""What one question asks, resolved against its conversation: the input of ranking and of the records.

The intent says what kind of question it is (when, how many, who, list, ...); the `want` says which
detail would answer it (a date, an end, a count, ...), sharpened by cue words: "언제부터" asks for a
start, "언제까지" for an end, "며칠" for a duration. Topics split into what the question is about
(an MOU, an export) and topics that only restate the detail asked (budget -> an amount).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from bot.factbase.model import RELATION, WANTS, Audience, Cue, Intent, KnowledgeBase, Lang, Want
from bot.reading.periods import Period

COUNTED_TOPICS = frozenset({"participants", "countries", "members"})  # what 'how much/many' of them counts
INTENT_WANTS: dict[Intent, Want] = {
    "when": "date", "how_many": "count", "how_much": "amount", "who": "person", "where": "place",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Ask:
    entities: tuple[str, ...]  # named, or borrowed from the conversation; visible to the audience
    specific: tuple[str, ...]  # those a record must concern (not KONEPS or PPS, not the ADB of 'ADB training')
    intent: Intent | None
    want: Want | None
    topics: frozenset[str]  # every topic signalled
    subjects: frozenset[str]  # the topics that say what the question is about
    cues: frozenset[Cue]
    period: Period | None
    years: frozenset[int]
    audience: Audience
    lang: Lang = "ko"
    words: tuple[str, ...] = ()  # the question's words the vocabulary does not know: what a what/how question is about
    terms: tuple[str, ...] = ()  # its words that signal topics (sustainable), as written
    subject_terms: tuple[str, ...] = ()  # those that signal what it is about (benchmark), not the detail (budget)
    refined: bool = False  # a cue made the detail more precise than the intent says (exact day, how long)
    counted: str | None = None  # what 'how many' counts (countries, participants, members), when it says
    asked_word: str | None = None  # what is counted or named, in the question's own words ('trainers', '총재')
    implied: tuple[str, ...] = ()  # programmes named by a partner or a country and a keyword (Sri Lanka + training)
    anchors: frozenset[str] = frozenset()  # the names that, with a keyword, named an implied programme
    named_text: str = ""  # the names as written in the question

    # Named but not specific: they only qualify what is asked. Worked out once, not for every record ranked.
    vague: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vague", tuple(e for e in self.entities if e not in self.specific))


def want_of(kb: KnowledgeBase, intent: Intent | None, cues: frozenset[Cue], topics: frozenset[str]) -> Want | None:
    """The detail a question asks for: its intent's, else a topic's that stands for one ('what paid for KEPS':
    budget, an amount), made precise by cues (since/until/how long)."""
    if "duration" in cues and not cues & {"until", "exact"}:  # 며칠 동안 is how long; 며칠에 끝나 is an end
        return "duration"
    precise = [cast(Want, kb.topic_wants[t]) for t in sorted(topics) if kb.topic_wants.get(t) in ("amount", "ordinal")]
    if intent == "how_many" and precise:
        return precise[0]  # 'how many dollars' asks an amount; '몇 번째' which one in a series
    if intent == "where" and "countries" in topics:
        return None  # '대상 국가는 어디인가요?': which countries, not a place
    if intent == "how_much" and topics & COUNTED_TOPICS and not precise:
        return "count"  # '포럼 참석규모?': how many took part, not a sum of money
    want = (INTENT_WANTS.get(intent) if intent else None) or next(
        (cast(Want, kb.topic_wants[t]) for t in sorted(topics) if kb.topic_wants.get(t) in WANTS), None
    )
    if "exact" in cues and want in (None, "date", "duration") and "until" not in cues:
        return "day"  # '몇월 며칠에', 'which day'
    if want == "date" or (want is None and "until" in cues and "duration" in cues):
        if "since" in cues and "until" not in cues:
            return "start"
        if "until" in cues:
            return "end"
        if "exact" in cues:
            return "day"
    if want is None and "exact" in cues:
        return "day"  # 'which day is Procurement Day?'
    return want


def subjects_of(kb: KnowledgeBase, topics: frozenset[str]) -> frozenset[str]:
    """Topics about what is asked about; a topic that stands for a detail (budget: an amount) or names what is
    counted (countries) is not one; a relation (launched) is one."""
    return frozenset(t for t in topics if kb.topic_wants.get(t, RELATION) == RELATION)
