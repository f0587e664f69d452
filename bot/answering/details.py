"""The detail a question asks for, found inside a record: in its fields and in its curated text.

A question that names a thing but asks for something its records are not tagged for ("APPeN since
when?", "how many days was the forum?") is still answered when a record holds that kind of value:
a date, an end, a duration, a count, an amount, a person or a place. Fields say it for sure (a fact's
`count`, a programme's `place`); the curated text says it in words (2015년부터, three days, 21명),
except places, which only fields give.
The same detectors decide that a reply may say "not on record": only when no record holds the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.answering.wordindex import literal_pattern
from bot.factbase.model import LANGS, PEOPLE_UNITS, Entity, Fact, Interner, KnowledgeBase, Lang, Want
from bot.text.normalize import normalize

_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|twenty|twenty-one|thirty|forty|fifty|hundred"
)
_MONTHS = r"january|february|march|april|may|june|july|august|september|october|november|december"
PATTERNS: dict[Want, re.Pattern[str]] = {
    "date": re.compile(
        rf"(?<!\d)(?:19|20)\d\d(?!\d)|\d{{1,2}}월|\b(?:{_MONTHS})\b|상반기|하반기|first half|second half"
    ),
    "end": re.compile(
        r"(?:\d|말|월|일|년|반기)\s*까지|\d\s*[~–]\s*\d|\buntil\b|\bby the end\b|\bto \d|\bto (?:the )?end\b"
        r"|\bby (?:19|20)\d\d"
    ),
    "duration": re.compile(
        rf"\d+\s*일간|\d+\s*박\s*\d+\s*일|\d+\s*일 동안|\b(?:\d+|{_NUMBER_WORDS})[- ]days?\b|\bnights?\b"
    ),
    "count": re.compile(
        rf"\d[\d,]*\s*(?:여\s*)?(?:명|개국|개 나라|곳|개)|\b(?:\d[\d,]*|{_NUMBER_WORDS})\+?\s+"
        r"(?:[a-z-]+\s+)?(?:countries|officials|participants|people|members|experts|delegates|nations)\b"
    ),
    # Which one in a series: the 4th, 제4회, the first of its kind.
    "ordinal": re.compile(
        r"\b\d+(?:st|nd|rd|th)\b|제\s*\d+\s*(?:회|차)|\d+\s*(?:번째|회째|차)|\b(?:first|second|third|fourth|fifth)\b"
        r"|첫|처음|최초|두 번째|세 번째"
    ),
    "amount": re.compile(
        r"\d[\d,.]*\s*(?:억|만)\s*(?:원|달러)?|(?:krw|usd|us\$|\$)\s*\d|\d[\d,.]*\s*(?:billion|million)\b"
    ),
}
# Who took part, in words: officials, experts, policy makers (a 'who' question can be answered by them).
_PEOPLE = re.compile(
    r"공무원|담당자|전문가|연수단|대표단|\bofficials\b|\bpolicy makers\b|\bexperts\b|\bdelegates\b|\bdelegation\b"
)
_DAY = re.compile(rf"\d{{1,2}}월\s*\d{{1,2}}일|\b\d{{1,2}}\s+(?:{_MONTHS})\b|\b(?:{_MONTHS})\s+\d{{1,2}}\b")
_AS_OF = re.compile(
    r"\([^)]*(?:기준|as of|as reported|according to)[^)]*\)|\bas (?:reported|of) (?:in )?[^,.;]*"
    r"|(?:19|20)\d\d년(?: \d+월)?(?: \d+일)? (?:\S+ )?기준"
)
# A count of people (21명, 14 officials), as against a count of countries.
_HEADCOUNT = re.compile(
    rf"\d[\d,]*\s*(?:여\s*)?명|\b(?:\d[\d,]*|{_NUMBER_WORDS})\+?[- ](?:[a-z-]+\s+)?"
    r"(?:officials|participants|people|experts|delegates|members?)\b"
)
_START = re.compile(r"부터|시작|출범|since|from (?:19|20)\d\d|began|begun|launched|started")
PEOPLE = "people"  # not a Want: a record says who took part without naming anyone
HEADCOUNT = "headcount"  # not a Want: a record counts people
COUNTRY_COUNT = re.compile(
    r"\d+\s*(?:개국|개 나라)|\b\d+\s+(?:[A-Za-z-]+\s+){0,3}countries\b"
)  # 11개국, 11 ... countries
_SENTENCE_END = re.compile(r"(?<=[^A-Z\s][.!?])\s+(?=\S)")


def sentences(text: str) -> list[str]:
    """A curated text's sentences ('Lalita M. Moorty' is not two)."""
    return [s for s in _SENTENCE_END.split(text) if s]


class Details:
    """Built once per fact base: the names of people, for finding them in text. A place is known from the
    `place` fields only: place names in free text are too easily confused with names of agencies."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        people = [e for e in kb.entities.values() if e.type == "person"]
        self.person_names = literal_pattern(normalize(n) for e in people for n in (e.name.ko, e.name.en, *e.aliases))
        self._entity_cache: dict[tuple[str, Lang], frozenset[str]] = {}
        # Worked out once, with the base (and compiled with it): a question that names no one weighs the facts on
        # its topics, and none of them may pay for reading its text. (An entity's overview is read when the
        # entity is named, once.)
        one = Interner()
        self._fact_cache = {lang: {f.id: one(self._gives(f, lang)) for f in kb.facts} for lang in LANGS}

    # -- what a text, a fact, an entity can give -----------------------------------------------------

    def in_text(self, text: str) -> frozenset[str]:
        norm = normalize(text)
        # "(as of 2014)" dates a statement, not what it states: it answers no 'when'.
        dated = _AS_OF.sub(" ", norm)
        found: set[str] = {
            want for want, pattern in PATTERNS.items() if pattern.search(dated if want == "date" else norm)
        }
        if "date" in found:
            if _START.search(dated):
                found.add("start")
            if _DAY.search(dated):
                found.add("day")
        elif "end" in found:
            found.discard("end")  # "until" with no date in sight says nothing about an end date
        if self.person_names.search(norm):
            found.add("person")
        if _PEOPLE.search(norm):
            found.add(PEOPLE)  # officials, experts: who took part, though no one is named
        if _HEADCOUNT.search(norm):
            found |= {HEADCOUNT, "count"}
        return frozenset(found)

    def of_fact(self, fact: Fact, lang: Lang) -> frozenset[str]:
        """What a fact can give a reader of `lang`: its fields, and what its text in that language says."""
        found = self._fact_cache[lang].get(fact.id)
        return found if found is not None else self._gives(fact, lang)

    def _gives(self, fact: Fact, lang: Lang) -> frozenset[str]:
        fields = self._fields(fact.date, fact.end, fact.place is not None, fact.count, fact.amount, fact.about)
        text = fact.text(lang) + (f" {fact.detail(lang)}" if fact.detail else "")
        found = fields | self.in_text(text)
        return found | {HEADCOUNT} if fact.count and fact.count.unit in PEOPLE_UNITS else found

    def of_entity(self, entity: Entity, lang: Lang) -> frozenset[str]:
        """What an entity's overview can give: its own fields and its summary."""
        cached = self._entity_cache.get((entity.id, lang))
        if cached is None:
            fields = self._fields(entity.start, entity.end, entity.place is not None, None, None, ())
            if entity.type == "person":
                fields |= {"person"}
            cached = self._entity_cache[entity.id, lang] = fields | self.in_text(entity.summary(lang))
        return cached

    def _fields(
        self, date: str | None, end: str | None, place: bool, count: object, amount: object, about: Iterable[str]
    ) -> frozenset[Want]:
        found: set[Want] = set()
        if date:
            found |= {"date", "start"}
            if len(date) == 10:
                found.add("day")
        if end:
            found.add("end")
            if date:
                found.add("duration")  # a span answers 'how long': days worked out, months shown as they are
        if place:
            found.add("place")
        if count:
            found.add("count")
        if amount:
            found.add("amount")
        types = {self.kb.entities[e].type for e in about if e in self.kb.entities}
        if "person" in types:
            found.add("person")
        return frozenset(found)

    # -- saying it first -------------------------------------------------------------------------------

    def lead_with(self, text: str, want: Want | None) -> str:
        """The text with the sentence holding the asked detail first ("answer with that part first")."""
        if want is None:
            return text
        parts = sentences(text)
        for i, sentence in enumerate(parts):
            if want in self.in_text(sentence) or (want == "start" and "date" in self.in_text(sentence)):
                return " ".join([sentence, *parts[:i], *parts[i + 1 :]]) if i else text
        return text
