"""Replies that need no record of what was asked: whom to contact, the sources, a name the fact base does not
know, a question asked back, what coopbot knows, the fallback and small talk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.answering.citations import person_contact, press_contact, source_refs
from bot.answering.confidence import CERTAIN, CITED, CLARIFY, NO_ANSWER
from bot.answering.wording import Wording
from bot.factbase.model import Fact, visible
from bot.showing.answer import Answer, Block
from bot.showing.labels import label


class Replies(Wording):
    """The replies that need no record of what was asked."""

    def contact(self, entities: Sequence[str], source_ids: Iterable[str], records: dict[str, Fact]) -> Answer:
        """Whom to ask: the press contact of the sources about what was named, stated from the contact record
        that names them when there is one."""
        found = press_contact(self.kb, source_ids)
        person = person_contact(self.kb, found[0], self.lang) if found else None
        record = records.get(found[0].id) if found else None
        if record is not None and visible(record, self.audience):
            text, facts, sources = record.text(self.lang), [record.id], list(record.sources)
        else:
            subject = self.name(entities[0]) if entities else ""
            text = self.say("contact_answer", contact=person.line() if person else "", subject=subject)
            facts, sources = [], [found[1].id] if found else []
        main = self.kb.entities[entities[0]] if entities else None
        return self.make(
            "answer",
            True,
            CITED,
            title=label("contact", self.lang),
            body=[Block("paragraph", text)],
            entities=entities,
            facts=facts,
            sources=sources,
            suggest_from=main,
            contact=person,
            intent="contact",
        )

    def sources_of(self, source_ids: Sequence[str], entities: Sequence[str], facts: Sequence[str]) -> Answer:
        refs = source_refs(self.kb, source_ids, self.lang, self.audience)
        items = tuple(r.citation() for r in refs)
        return self.make(
            "answer",
            True,
            CITED,
            title=label("sources", self.lang),
            body=[Block("list", items=items)],
            entities=entities,
            facts=facts,
            sources=source_ids,
            intent="source",
        )

    def unknown(self, names: str) -> Answer:
        body = [Block("paragraph", self.say("unknown_entity", name=names))]
        return self.make("unknown", False, NO_ANSWER, title=names, body=body, contact=self.default_contact)

    def clarify(self, options: tuple[str, ...]) -> Answer:
        """Between sure and nothing: ask back, offering the likely questions."""
        body = [Block("paragraph", self.say("clarify")), Block("list", items=options)]
        return self.make("clarify", False, CLARIFY, title="", body=body, suggestions=options)

    def question_for(self, fact: Fact) -> str:
        if fact.question:
            return fact.question(self.lang)
        return self.say("suggest_about", name=self.name(fact.about[0]))

    def about(self) -> Answer:
        """What coopbot knows and the documents it rests on."""
        refs = source_refs(self.kb, self.kb.sources, self.lang, self.audience)
        items = tuple(r.citation() for r in refs)
        text = self.say("about", **{k: str(v) for k, v in self.kb.summary_counts().items()})
        return self.make(
            "answer",
            True,
            CERTAIN,
            title="",
            body=[Block("paragraph", text), Block("list", items=items)],
            intent="source",
        )

    def fallback(self) -> Answer:
        body = [Block("paragraph", self.say("fallback"))]
        return self.make(
            "fallback",
            False,
            NO_ANSWER,
            title="",
            body=body,
            contact=self.default_contact,
            suggestions=self.kb.examples[self.lang][:3],
        )

    def smalltalk(self, intent: str) -> Answer:
        key = {"greeting": "greeting", "thanks": "thanks", "help": "help_intro", "start": "start"}[intent]
        body = [Block("paragraph", self.say(key))]
        if intent == "help":
            body.append(Block("list", items=self.kb.examples[self.lang]))
        return self.make(
            "smalltalk", True, CERTAIN, title="", body=body, suggestions=self.kb.examples[self.lang][:3], intent=intent
        )
