"""A case: one resolved request (request.py) with what answering it reads (the fact base, its records, details
and ranking) and the composer that words the answer. It is what every answerer (answerers.py) and every kind
of answer (about_named, without_names, across, programme_countries, roles) works on; nothing in it changes
while they do.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.answering.compose import Composer
from bot.answering.context import Context
from bot.answering.details import Details
from bot.answering.ranking import Ranker
from bot.answering.records import Records
from bot.answering.request import Premise, Request
from bot.factbase.model import EVENT_PROGRAMME_KINDS, Audience, Entity, Intent, KnowledgeBase, Lang
from bot.reading.entities import is_particles
from bot.reading.question import Ask
from bot.reading.understand import Understanding
from bot.reading.vocabulary import STOPWORDS

OFF_TOPIC_SHARE = 0.5  # a question this much made of words of nothing on record, naming nothing, is off topic


@dataclass(frozen=True, slots=True)
class Case:
    """One request being answered, and what answering it reads."""

    request: Request
    context: Context  # the conversation before it (the sources of the last answer)
    kb: KnowledgeBase
    details: Details
    records: Records
    ranker: Ranker
    compose: Composer

    @property
    def u(self) -> Understanding:
        return self.request.reading

    @property
    def ask(self) -> Ask:
        return self.request.ask

    @property
    def lang(self) -> Lang:
        return self.request.ask.lang

    @property
    def audience(self) -> Audience:
        return self.request.ask.audience

    @property
    def intent(self) -> Intent | None:
        return self.request.ask.intent

    @property
    def topics(self) -> frozenset[str]:
        return self.request.ask.topics

    @property
    def entities(self) -> tuple[str, ...]:
        return self.request.ask.entities

    @property
    def specific(self) -> tuple[str, ...]:
        return self.request.ask.specific

    @property
    def kinds(self) -> frozenset[str]:
        return self.request.kinds

    @property
    def yes_no(self) -> bool:
        return self.request.yes_no

    @property
    def past(self) -> bool:
        return self.request.past

    @property
    def premise(self) -> Premise | None:
        return self.request.premise

    def entity(self, eid: str) -> Entity:
        return self.kb.entities[eid]

    def is_event(self, eid: str) -> bool:
        entity = self.entity(eid)
        return entity.type == "programme" and entity.kind in EVENT_PROGRAMME_KINDS

    def off_topic(self) -> bool:
        """Most of the question is words the fact base has no way of asking about (job postings, bidding), and it
        names nothing specific: 'Tunisia KONEPS year, just guess' is still a question about Tunisia."""
        if any(e not in self.ranker.generic for e in self.u.entity_ids):
            return False
        content = [w for w in self.u.residual if w not in STOPWORDS and not is_particles(w)]
        unexplained = len(self.u.unexplained)
        return unexplained >= 2 and unexplained >= OFF_TOPIC_SHARE * len(content)
