"""Ranking the records about the named things against what is asked.

Each fact about a named entity, and each entity's own overview, gets a score: how specifically it
concerns the entities named, whether it is tagged for the intent, whether it holds the detail
wanted (a date, a count, ...), how many of the question's topics it shares, and whether it mentions
a year asked. A record *answers* only if it concerns a specific entity of the question, is about
what the question is about (its topics), and holds the detail wanted or is tagged for the intent.
Records that answer come first, then by score, then the newest statement, then the curator's order.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from bot.details import Details
from bot.model import Entity, Fact, KnowledgeBase, visible
from bot.periods import newest_first
from bot.question import Ask

W_ENTITY, W_GENERIC, W_PRIMARY, W_INTENT, W_WANT, W_TOPIC, W_YEAR, W_OVERVIEW = 3.0, 0.5, 0.5, 1.5, 1.0, 2.0, 1.0, 0.75
W_FOCUS = 0.5  # a record mostly about what was asked beats one that mentions it in passing
OVERVIEW_INTENTS = (None, "overview", "what_is")
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    fact: Fact | None  # None: the overview (summary) of `entity`
    entity: Entity
    answers: bool  # it matches what was asked, not merely whom it is about


class Ranker:
    """Built once per fact base: facts by entity, the entities too common to tell facts apart, years."""

    def __init__(self, kb: KnowledgeBase, details: Details) -> None:
        self.kb, self.details = kb, details
        counts = Counter(e for f in kb.facts for e in f.about)
        limit = max(8, len(kb.facts) // 5)
        # Entities most facts mention (KONEPS, PPS) say little about which fact is meant.
        self.generic = frozenset(e for e, n in counts.items() if n > limit)
        self.by_entity: dict[str, list[Fact]] = {}
        for fact in kb.facts:
            for eid in fact.about:
                self.by_entity.setdefault(eid, []).append(fact)
        self.years = {f.id: _years(f) for f in kb.facts}
        self.order = {f.id: i for i, f in enumerate(kb.facts)}

    def facts_about(self, entity_id: str) -> list[Fact]:
        return self.by_entity.get(entity_id, [])

    # -- scores --------------------------------------------------------------------------------------

    def score_fact(self, ask: Ask, fact: Fact) -> float:
        about = set(fact.about)
        score = W_ENTITY * len(about.intersection(ask.specific)) / max(1, len(ask.specific))
        if ask.vague:
            score += W_GENERIC * len(about.intersection(ask.vague)) / len(ask.vague)
        if fact.about[0] in ask.entities:
            score += W_PRIMARY
        if ask.intent and ask.intent in fact.asks:
            score += W_INTENT
        if ask.want and ask.want in self.details.of_fact(fact):
            score += W_WANT
        shared = len(ask.topics.intersection(fact.topics))
        score += W_TOPIC * min(2, shared) + (W_FOCUS * shared / len(fact.topics) if fact.topics else 0.0)
        if ask.years and ask.years & self.years[fact.id]:
            score += W_YEAR
        return score

    def answers_fact(self, ask: Ask, fact: Fact) -> bool:
        if ask.specific and not set(ask.specific) & set(fact.about):
            return False
        if ask.subjects and not ask.subjects & set(fact.topics):
            return False
        if ask.want:
            return ask.want in self.details.of_fact(fact) or (ask.intent is not None and ask.intent in fact.asks)
        return ask.intent is None or ask.intent in fact.asks or bool(ask.subjects)

    def score_overview(self, ask: Ask, entity: Entity) -> float:
        score = W_ENTITY if entity.id in ask.specific else W_GENERIC
        if ask.intent in OVERVIEW_INTENTS and not ask.subjects and not ask.want:
            score += W_OVERVIEW + (W_INTENT if ask.intent else 0.0)
        if ask.want and ask.want in self.details.of_entity(entity):
            score += W_WANT
        return score

    def answers_overview(self, ask: Ask, entity: Entity) -> bool:
        """An entity's summary answers 'tell me about X', 'what is X', 'who is X' for a person, and a detail
        its summary or fields hold (APPeN since 2015)."""
        if ask.subjects:
            return False
        if ask.want:
            return ask.want in self.details.of_entity(entity)
        return ask.intent in (*OVERVIEW_INTENTS, "followup") or (ask.intent == "who" and entity.type == "person")

    # -- ranking -------------------------------------------------------------------------------------

    def rank(self, ask: Ask) -> list[Scored]:
        seen: set[str] = set()
        ranked: list[Scored] = []
        for eid in ask.entities:
            entity = self.kb.entities[eid]
            for fact in self.facts_about(eid):
                if fact.id not in seen and visible(fact, ask.audience):
                    seen.add(fact.id)
                    main = self.kb.entities[fact.about[0]]
                    ranked.append(Scored(self.score_fact(ask, fact), fact, main, self.answers_fact(ask, fact)))
            ranked.append(Scored(self.score_overview(ask, entity), None, entity, self.answers_overview(ask, entity)))
        ranked.sort(key=self._order)
        return ranked

    def _order(self, s: Scored) -> tuple[bool, float, str, int]:
        # Records that answer the question first, best score first; among equals, the newest statement,
        # then the curator's order.
        when = newest_first(s.fact.when if s.fact else "")
        return (not s.answers, -s.score, when, self.order[s.fact.id] if s.fact else -1)

    def topical(self, ask: Ask) -> list[tuple[float, Fact]]:
        """No name given: facts sharing the question's topics, best first."""
        scored = []
        for fact in self.kb.facts:
            overlap = len(ask.topics.intersection(fact.topics))
            if overlap and visible(fact, ask.audience):
                score = W_TOPIC * min(2, overlap) + (W_INTENT if ask.intent in fact.asks else 0.0)
                if ask.want and ask.want in self.details.of_fact(fact):
                    score += W_WANT
                if ask.years and ask.years & self.years[fact.id]:
                    score += W_YEAR
                scored.append((score, fact))
        scored.sort(key=lambda sf: (-sf[0], newest_first(sf[1].when)))
        return scored


def _years(fact: Fact) -> frozenset[int]:
    found = {int(y) for y in YEAR.findall(fact.text.en)}
    found |= {int(d[:4]) for d in (fact.date, fact.end, fact.as_of) if d}
    return frozenset(found)

