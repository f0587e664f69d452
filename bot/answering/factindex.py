"""The indexes the ranking looks records up in, built once per fact base.

Facts by what they concern (their entities, the groups those belong to and their countries); the entities too
common to tell facts apart (KONEPS, PPS); the years each fact is dated in and mentions; the facts' texts
normalised, with the index of their words (`wordindex`) and whether a text uses one of the question's own words;
and, for a question that names no one, the facts newest first as bit masks by topic, intent, detail and year
(`factmasks`). `Ranker` (ranking.py) scores against them.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

from bot.answering.details import Details
from bot.answering.factmasks import mask_of, masks_of
from bot.answering.wordindex import PREFIX_MIN, WordIndex
from bot.factbase.model import LANGS, Fact, Interner, KnowledgeBase
from bot.reading.entities import strip_particles
from bot.reading.periods import newest_first
from bot.reading.question import Ask
from bot.reading.vocabulary import english_bases
from bot.text.normalize import has_hangul, normalize, syllables, words

YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


class FactIndex:
    """Built once per fact base: facts by entity, the entities too common to tell facts apart, years, words."""

    def __init__(self, kb: KnowledgeBase, details: Details) -> None:
        self.kb, self.details = kb, details
        counts = Counter(e for f in kb.facts for e in f.about)
        limit = max(8, len(kb.facts) // 5)
        # Entities most facts mention (KONEPS, PPS) say little about which fact is meant.
        self.generic = frozenset(e for e, n in counts.items() if n > limit)
        one = Interner()
        self.years = {f.id: one(_years(f)) for f in kb.facts}
        self.dated = {f.id: one(frozenset(int(d[:4]) for d in (f.date, f.end, f.as_of) if d)) for f in kb.facts}
        self.order = {f.id: i for i, f in enumerate(kb.facts)}
        # The home country of a generic agency (Korea, of PPS) is as generic: 'the system Korea built'.
        self.generic |= {country for e in self.generic if (country := kb.entities[e].country)}
        # A record about an organisation or a programme concerns its group (international organisations) and
        # its country (a record about the Kurdistan Regional Government concerns Iraq).
        self.groups: dict[str, set[str]] = {}
        for entity in kb.entities.values():
            for member in entity.members:
                self.groups.setdefault(member, set()).add(entity.id)
            if entity.country and entity.id not in self.generic:
                self.groups.setdefault(entity.id, set()).add(entity.country)
        # Facts by what they concern, groups and countries included: a record about the Kurdistan Regional
        # Government is one of Iraq's.
        self._about: dict[str, frozenset[str]] = {}
        self.by_entity: dict[str, list[Fact]] = {}
        for fact in kb.facts:
            for eid in self.about(fact):
                self.by_entity.setdefault(eid, []).append(fact)
        self.texts = {lang: {f.id: normalize(f.text(lang)) for f in kb.facts} for lang in LANGS}
        self._english_cache: dict[str, frozenset[str]] = {}
        self._english_sorted: dict[str, tuple[str, ...]] = {}
        self.word_index = {
            lang: WordIndex(
                (self.texts[lang][f.id] for f in kb.facts),
                (self._english_words(self.texts[lang][f.id]) for f in kb.facts),
            )
            for lang in LANGS
        }
        # For a question that names no one (`topical`): the facts newest first (ties in the curator's order), and
        # as bit masks over that order (bot/factmasks.py), so that a mask's bits, lowest first, list its facts
        # newest first: by topic, by the intent they are tagged for, by the detail they give in each language, by
        # the years they are dated in and mention, and the public ones.
        self.recency_key = {f.id: newest_first(f.when) for f in kb.facts}
        self.newest = sorted(kb.facts, key=lambda f: self.recency_key[f.id])
        size, facts = len(kb.facts), list(enumerate(self.newest))
        self.topic_masks = masks_of(((t, at) for at, f in facts for t in f.topics), size)
        self.intent_masks = masks_of(((i, at) for at, f in facts for i in f.asks), size)
        gives = (((w, lang), at) for lang in LANGS for at, f in facts for w in details.of_fact(f, lang))
        self.want_masks = masks_of(gives, size)
        self.dated_masks = masks_of(((y, at) for at, f in facts for y in self.dated[f.id]), size)
        self.year_masks = masks_of(((y, at) for at, f in facts for y in self.years[f.id]), size)
        self.public_mask = mask_of((at for at, f in facts if f.visibility == "public"), size)

    MEMOS: tuple[str, ...] = ("_about", "_english_cache", "_english_sorted")

    def __getstate__(self) -> dict[str, object]:
        """What is compiled: the indexes, not the memos filled as questions come (they refill on their own)."""
        return {k: v for k, v in vars(self).items() if k not in self.MEMOS}

    def __setstate__(self, state: dict[str, object]) -> None:
        vars(self).update(state)
        vars(self).update({memo: {} for memo in self.MEMOS})

    def facts_about(self, entity_id: str) -> list[Fact]:
        return self.by_entity.get(entity_id, [])

    def about(self, fact: Fact) -> frozenset[str]:
        """What a fact concerns: its entities and the groups they belong to (worked out once a fact)."""
        found = self._about.get(fact.id)
        if found is None:
            found = self._about[fact.id] = frozenset(fact.about).union(*(self.groups.get(e, ()) for e in fact.about))
        return found

    def lexical(self, ask: Ask, text: str, words: tuple[str, ...] | None = None) -> int:
        """How many of the question's own words the text uses: Korean by stem (부처들로 finds 부처), English by
        word, endings aside ('hope' finds 'hoped', not 'headquarters' for 'head')."""
        return sum(self.uses(text, word) for word in (ask.words if words is None else words))

    def uses(self, text: str, word: str) -> bool:
        """Whether a (normalised) text uses one question word: the rule `lexical` counts by."""
        if has_hangul(word):
            return any(form in text for form in _stems(word))
        if len(word) < 3:
            return False
        # 'rehab' is the start of 'rehabilitation'
        return not self._english_words(text).isdisjoint(_with_bases(word)) or (
            len(word) >= PREFIX_MIN and self._begins_a_word(text, word)
        )

    def _begins_a_word(self, text: str, prefix: str) -> bool:
        """Whether one of the text's English words begins with `prefix`: a look-up in its words, sorted once."""
        ordered = self._english_sorted.get(text)
        if ordered is None:
            ordered = self._english_sorted[text] = tuple(sorted(self._english_words(text)))
        at = bisect_left(ordered, prefix)
        return at < len(ordered) and ordered[at].startswith(prefix)

    def word_hits(self, ask: Ask) -> dict[int, int]:
        """`lexical` for every fact at once: how many of the question's own words each fact's text (in the
        question's language) uses, by the fact's position, for the facts that use any. English words are looked
        up in the word index, which holds exactly what `uses` decides; a Korean word is checked on the texts the
        index gives for it."""
        index, hits = self.word_index[ask.lang], dict[int, int]()
        for word, times in Counter(ask.words).items():
            if has_hangul(word):
                could = index.hangul(word)
                using: Iterable[int] = (
                    at
                    for at in (range(len(self.kb.facts)) if could is None else could)
                    if self.uses(self.texts[ask.lang][self.kb.facts[at].id], word)
                )
            else:
                using = index.english(word) if len(word) >= 3 else ()
            for at in using:
                hits[at] = hits.get(at, 0) + times
        return hits

    def _english_words(self, text: str) -> frozenset[str]:
        cached = self._english_cache.get(text)
        if cached is None:
            tokens = [p for w in words(text) if w.isascii() for p in (w, *w.split("-"))]  # robot-based: robot
            cached = frozenset(tokens).union(*(english_bases(w) for w in tokens))
            self._english_cache[text] = cached
        return cached


@lru_cache(maxsize=65536)
def _stems(word: str) -> tuple[str, ...]:
    """Forms of a Korean question word to look for in a record: by its leading syllables (부처들로 -> 부처)."""
    forms = [f for f in strip_particles(word) if syllables(f) >= 2]
    return (*forms, *(word[:n] for n in range(len(word) - 1, 1, -1) if word[:n] not in forms))


@lru_cache(maxsize=65536)
def _with_bases(word: str) -> frozenset[str]:
    return frozenset((word, *english_bases(word)))


def _years(fact: Fact) -> frozenset[int]:
    found = {int(y) for y in YEAR.findall(fact.text.en)}
    found |= {int(d[:4]) for d in (fact.date, fact.end, fact.as_of) if d}
    return frozenset(found)
