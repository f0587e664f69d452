"""The words every reply is written in and the one Answer it is assembled into: curated messages, names of
things, kinds and details, dates and periods, events as a list or a timeline shows them, figures, and the
follow-up questions offered. The composer's parts (compose_*.py) build on it, one kind of answer each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from bot.answering.citations import source_refs
from bot.answering.confidence import NOT_ON_RECORD
from bot.answering.details import Details
from bot.answering.records import COUNTRY_KINDS, Event
from bot.factbase.model import Audience, Entity, Fact, KnowledgeBase, Lang, Quantity, Want, visible
from bot.reading.periods import Period
from bot.showing.answer import Answer, Block, Contact, Kind, SourceRef
from bot.showing.formatting import format_amount, format_count, format_date, format_range
from bot.text.normalize import normalize


class Wording:
    """What every part of one reply needs (language, audience, intent), its words, and the Answer it makes."""

    def __init__(
        self,
        kb: KnowledgeBase,
        details: Details,
        facts_about: Any,
        default_contact: Contact | None,
        *,
        lang: Lang,
        audience: Audience,
        intent: str | None,
        asked: str,
        diagnostics: dict[str, Any],
    ) -> None:
        self.kb, self.details, self.facts_about = kb, details, facts_about
        self.default_contact = default_contact
        self.lang, self.audience, self.intent, self.asked = lang, audience, intent, normalize(asked)
        self.diagnostics = diagnostics

    # -- words ---------------------------------------------------------------------------------------

    def say(self, key: str, **values: str) -> str:
        """A curated message; {contact} is the default contact unless given."""
        if "contact" not in values:
            values["contact"] = self.default_contact.line() if self.default_contact else ""
        return " ".join(self.kb.message(key, self.lang, **values).split())  # a value left empty leaves no gap

    def name(self, entity_id: str) -> str:
        return self.kb.entities[entity_id].name(self.lang)

    def kind_name(self, kind: str | None) -> str:
        names = self.kb.topic_names
        return names[kind](self.lang) if kind is not None and kind in names else self.say("kind_any")

    def want_name(self, want: Want) -> str:
        return self.say(f"want_{want}")

    def when(self, event: Event) -> str:
        return format_range(event.start, event.end, self.lang)

    def period_name(self, period: Period) -> str:
        if period.start and period.end:
            return format_range(period.start, period.end if period.end != period.start else None, self.lang)
        if period.end:
            return self.say("period_until", date=format_date(period.end, self.lang))
        return self.say("period_from", date=format_date(period.start, self.lang))

    def label(self, event: Event) -> str:
        """An event in a list: what it is, when, and whether it was only planned."""
        subject = event.subject.name(self.lang)
        if (
            event.subject.type != "country" and event.kind not in COUNTRY_KINDS and event.subject.type != "programme"
        ) or (event.subject.type == "programme" and event.subject.kind != event.kind):
            subject = f"{subject} {self.kind_name(event.kind)}"
        status = [self.say(f"status_{event.status}")] if event.status in ("planned", "ongoing") else []
        return f"{subject} ({', '.join([self.when(event), *status])})"

    def _concerned(self, fact: Fact) -> set[str]:
        """What a record concerns beyond its subject: its other entities and their countries' regions."""
        others = set(fact.about[1:])
        return others | {self.kb.entities[e].region for e in others if self.kb.entities[e].region}  # type: ignore[misc]

    def title(self, event: Event) -> str:
        """What an event is called in a sentence: its programme's name, or its country and kind (몽골 나라장터 수출)."""
        if event.subject.type == "programme" and event.subject.kind == event.kind:
            return event.subject.name(self.lang)
        return f"{event.subject.name(self.lang)} {self.kind_name(event.kind)}"

    def line(self, event: Event, scope: Sequence[str] = ()) -> str:
        """An event in a timeline: its date, then its headline record (or its name); with a scope named, the
        record of the event about it (Kyrgyzstan's part of a pilot programme)."""
        headline = next((f for f in event.facts if set(scope) & self._concerned(f)), event.headline)
        text = headline.text(self.lang) if headline else self.label(event)
        return f"{self.when(event)}: {text}" if headline else text

    def value(self, quantity: Quantity, field: str) -> str:
        return (
            format_amount(self.kb, quantity, self.lang)
            if field == "amount"
            else format_count(self.kb, quantity, self.lang)
        )

    # -- the Answer ----------------------------------------------------------------------------------

    @staticmethod
    def prepend(answer: Answer, lead: str) -> Answer:
        """The answer with a line ahead of its body (yes or no to a stated figure)."""
        return replace(answer, body=(Block("paragraph", lead), *answer.body)) if lead else answer

    def as_not_on_record(self, answer: Answer) -> Answer:
        """A reply whose lead says what is not on record, above what is: honest, matched to nothing, with whom
        to ask."""
        body = (*answer.body, Block("paragraph", self.say("contact_answer")))
        return replace(
            answer, kind="unknown", matched=False, confidence=NOT_ON_RECORD, body=body, contact=self.default_contact
        )

    def sources_cited(self, ids: Iterable[str]) -> tuple[SourceRef, ...]:
        """Documents as cited to this reader, newest first."""
        return source_refs(self.kb, ids, self.lang, self.audience)

    def make(
        self,
        kind: Kind,
        matched: bool,
        confidence: float,
        *,
        title: str,
        body: Sequence[Block],
        entities: Iterable[str] = (),
        facts: Iterable[str] = (),
        sources: Iterable[str] = (),
        suggest_from: Entity | None = None,
        contact: Contact | None = None,
        suggestions: tuple[str, ...] | None = None,
        intent: str | None = None,
    ) -> Answer:
        facts = tuple(facts)
        return Answer(
            language=self.lang,
            matched=matched,
            confidence=max(0.0, min(1.0, confidence)),
            kind=kind,
            intent=intent or self.intent,
            entities=tuple(dict.fromkeys(entities)),
            title=title,
            body=tuple(b for b in body if self.audience == "staff" or not b.internal),
            facts=facts,
            sources=source_refs(self.kb, sources, self.lang, self.audience),
            contact=contact,
            suggestions=suggestions if suggestions is not None else self.suggestions(suggest_from, facts),
            audience=self.audience,
            diagnostics=self.diagnostics,
        )

    def suggestions(self, entity: Entity | None, used: Sequence[str]) -> tuple[str, ...]:
        """Two or three follow-ups worded as a person asks, each answerable, never the question just answered:
        other records of the same thing, related things, then whom to ask."""
        lang = self.lang
        out: list[str] = []

        def offer(question: str) -> None:
            if question not in out and normalize(question) != self.asked:
                out.append(question)

        if entity is not None:
            for fact in self.facts_about(entity.id):
                if len(out) >= 2:
                    break
                if fact.id not in used and fact.question and visible(fact, self.audience):
                    offer(fact.question(lang))
            related = [
                self.kb.entities[e]
                for f in self.facts_about(entity.id)
                for e in f.about
                if e != entity.id
                and self.kb.entities[e].type != "person"
                and visible(self.kb.entities[e], self.audience)
            ]
            for other in related:
                if len(out) >= 2:
                    break
                offer(self.say("suggest_about", name=other.name(lang)))
            if self.intent != "contact":
                offer(self.say("suggest_contact", name=entity.name(lang)))
        for example in self.kb.examples[lang]:
            if len(out) >= 2:
                break
            offer(example)
        return tuple(out[:3])
