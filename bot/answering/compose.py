"""Composing the one Answer of a reply from what the engine chose: records, events, figures, or what is
not on record.

Every reply is assembled here, in the language of the question: the detail asked first, then the record
it comes from, the history of a figure that changed, the sources cited, whom to ask, and follow-up
questions the fact base can answer. A reply that says something is not on record says exactly what,
in one short line, and sets what *is* on record apart below it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from bot.answering.details import Details
from bot.answering.records import COUNTRY_KINDS, Event
from bot.factbase.model import Audience, Entity, Fact, KnowledgeBase, Lang, Note, Quantity, Source, Want, visible
from bot.reading.periods import Period, stated_counts
from bot.showing.answer import Answer, Block, Contact, Kind, SourceRef
from bot.showing.formatting import (
    days_between,
    format_amount,
    format_count,
    format_date,
    format_range,
    international_phone,
)
from bot.showing.labels import label
from bot.text.normalize import normalize

HISTORY_LIMIT = 3  # earlier statements of a figure shown under the newest


# -- pieces of the fact base, in a reader's language ---------------------------------------------------


def source_refs(kb: KnowledgeBase, ids: Iterable[str], lang: Lang, audience: Audience) -> tuple[SourceRef, ...]:
    """The cited documents, newest first, each once."""
    seen = dict.fromkeys(ids)
    sources = [kb.sources[s] for s in seen if s in kb.sources and visible(kb.sources[s], audience)]
    sources.sort(key=lambda s: s.date, reverse=True)
    return tuple(
        SourceRef(s.id, s.title(lang), s.publisher(lang), s.date, format_date(s.date, lang), s.url) for s in sources
    )


def note_blocks(notes: Iterable[Note], lang: Lang, audience: Audience) -> list[Block]:
    """Curator notes: staff-only ones reach a staff audience only, marked internal."""
    return [Block("note", n.text(lang), internal=n.visibility == "staff") for n in notes if visible(n, audience)]


def person_contact(kb: KnowledgeBase, person: Entity, lang: Lang) -> Contact:
    """A person as a contact, written the way the language writes it; phone numbers in international form
    for readers of English (they call from abroad)."""
    name, title = person.name(lang), person.title(lang) if person.title else ""
    division = person.division(lang) if person.division else ""
    written = kb.message("contact_line", lang, name=name, title=title, division=division).strip(" ,")
    phone = international_phone(person.phone) if person.phone and lang == "en" else person.phone
    return Contact(name=name, title=title, division=division, phone=phone, email=person.email, written=written)


def press_contact(kb: KnowledgeBase, source_ids: Iterable[str]) -> tuple[Entity, Source] | None:
    """The press contact of the newest of these sources that names one (else of the newest source that
    does), with the source that names them, so the answer can cite it."""
    ordered = sorted((kb.sources[s] for s in set(source_ids) if s in kb.sources), key=lambda s: s.date, reverse=True)
    everything = sorted(kb.sources.values(), key=lambda s: s.date, reverse=True)
    for source in [*ordered, *everything]:
        for pid in source.contacts:
            person = kb.entities.get(pid)
            if person is not None and person.visibility == "public":
                return person, source
    return None


def contact_for(kb: KnowledgeBase, source_ids: Iterable[str], lang: Lang) -> Contact | None:
    found = press_contact(kb, source_ids)
    return person_contact(kb, found[0], lang) if found else None


class Composer:
    """Assembles the Answer of one reply; holds what every part of it needs (language, audience, intent)."""

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

    # -- records -------------------------------------------------------------------------------------

    def fact_blocks(self, fact: Fact, want: Want | None) -> list[Block]:
        text = self.details.lead_with(fact.text(self.lang), want)
        lead = self.duration_lead(fact.date, fact.end, text, want) + self.end_lead(fact.end, text, want)
        blocks = [Block("paragraph", lead + text)]
        if fact.detail:
            blocks.append(Block("paragraph", fact.detail(self.lang)))
        return blocks + note_blocks(fact.notes, self.lang, self.audience)

    def end_lead(self, end: str | None, text: str, want: Want | None) -> str:
        """'When did it end?' when the record gives the end as a field but says it another way (four nights)."""
        if want != "end" or not end or format_date(end, self.lang) in text:
            return ""
        return self.say("end_lead", date=format_date(end, self.lang)) + " "

    def duration_lead(self, start: str | None, end: str | None, text: str, want: Want | None) -> str:
        """'How many days?' when the record gives dates but no length: the length, worked out, first."""
        if want != "duration" or not start or not end or "duration" in self.details.in_text(text):
            return ""
        days = days_between(start, end)
        if days is None:
            return ""
        length = self.say("days", n=str(days))
        return self.say("duration_lead", days=length, range=format_range(start, end, self.lang)) + " "

    def facts_answer(
        self,
        facts: Sequence[Fact],
        confidence: float,
        entities: Iterable[str],
        want: Want | None = None,
        history: Sequence[Fact] = (),
        lead: str = "",
    ) -> Answer:
        """Records that answer the question; `history` are earlier statements of the same figure."""
        body: list[Block] = [Block("paragraph", lead)] if lead else []
        for fact in facts:
            body += self.fact_blocks(fact, want)
        said = " ".join(f.text(self.lang) for f in facts)
        earlier = [f for f in history if f not in facts and visible(f, self.audience) and not _restated(f, said)][
            :HISTORY_LIMIT
        ]
        if earlier:
            items = tuple(f.text(self.lang) for f in earlier)
            body += [Block("paragraph", self.say("count_history")), Block("list", items=items)]
        main = self.kb.entities[facts[0].about[0]]
        shown = [*facts, *earlier]
        return self.make(
            "answer",
            True,
            confidence,
            title=main.name(self.lang),
            body=body,
            entities=entities,
            facts=[f.id for f in shown],
            sources=[s for f in shown for s in f.sources],
            suggest_from=main,
        )

    def overview(self, entity: Entity, confidence: float, want: Want | None = None) -> Answer:
        lang = self.lang
        title = entity.name(lang)
        full = entity.full_name(lang) if entity.full_name else title
        # 'IsDB (Islamic Development Bank)'; a full name that holds the name is said alone.
        title = full if title.casefold() in full.casefold() else f"{title} ({full})"
        summary = self.details.lead_with(entity.summary(lang), want)
        lead = self.duration_lead(entity.start, entity.end, summary, want) + self.end_lead(entity.end, summary, want)
        summary = lead + summary
        body = [Block("paragraph", summary), *note_blocks(entity.notes, lang, self.audience)]
        return self.make(
            "answer",
            True,
            confidence,
            title=title,
            body=body,
            entities=(entity.id,),
            sources=entity.sources,
            suggest_from=entity,
            intent="overview",
        )

    def missing(
        self,
        subject: Entity,
        topic: str | None,
        want: Want | None,
        qualifiers: Sequence[Entity] = (),
        counted: str | None = None,
    ) -> str:
        """The one line saying exactly what the sources lack: 'The sources give no amount for the Jordan export.'
        `counted`: what a count asked for counts, in the question's words ('trainers')."""
        name = subject.name(self.lang)
        if qualifiers:
            name = f"{name} ({', '.join(q.name(self.lang) for q in qualifiers)})"
        if counted:
            return self.say("not_on_record_counted", subject=name, counted=counted)
        if topic and name in self.kind_name(topic):
            name = ""  # '나라장터 수출', not '나라장터 나라장터 수출'
        elif topic and self.kind_name(topic).casefold() in name.casefold():
            topic = None  # 'the ADB training', not 'the ADB training training'
        if topic and want:
            return self.say(
                "not_on_record_detail", subject=name, topic=self.kind_name(topic), want=self.want_name(want)
            )
        if want:
            return self.say("not_on_record_want", subject=name, want=self.want_name(want))
        if topic:
            return self.say("not_on_record_topic", subject=name, topic=self.kind_name(topic))
        return self.say("not_on_record_other", subject=name)

    def not_on_record(self, subject: Entity, line: str, closest: Fact | None) -> Answer:
        """`line` says what the sources lack; then, set apart, what they do say about the subject, and whom to ask."""
        name = subject.name(self.lang)
        on_record = closest.text(self.lang) if closest else subject.summary(self.lang)
        body = [
            Block("paragraph", line),
            Block("paragraph", f"{self.say('on_record', subject=name)} {on_record}"),
            Block("paragraph", self.say("contact_answer")),
        ]
        return self.make(
            "unknown",
            False,
            0.3,
            title=name,
            body=body,
            entities=(subject.id,),
            sources=closest.sources if closest else subject.sources,
            suggest_from=subject,
            contact=self.default_contact,
        )

    def role_not_on_record(self, role: str, event: Event) -> Answer:
        line = self.say(
            "not_on_record_role", event=event.subject.name(self.lang), date=self.when(event), role=self.kind_name(role)
        )
        body = [Block("paragraph", line), Block("paragraph", self.say("contact_answer"))]
        return self.make(
            "unknown",
            False,
            0.3,
            title=event.subject.name(self.lang),
            body=body,
            entities=(event.subject.id,),
            sources=event.sources,
            suggest_from=event.subject,
            contact=self.default_contact,
        )

    # -- across records ------------------------------------------------------------------------------

    def first_or_latest(self, which: str, kind: str | None, event: Event, upcoming: Sequence[Event]) -> Answer:
        lead = self.say(f"{which}_lead", kind=self.kind_name(kind), item=self.label(event))
        title = self.kind_name(kind) if kind else event.subject.name(self.lang)
        body = [Block("paragraph", lead)]
        if event.headline:
            body += self.fact_blocks(event.headline, None)
        else:
            body.append(Block("paragraph", event.subject.summary(self.lang)))
        if upcoming:
            body.append(Block("paragraph", self.say("upcoming", item="; ".join(self.label(e) for e in upcoming))))
        shown = [event, *upcoming]
        return self.make(
            "answer",
            True,
            0.85,
            title=title,
            body=body,
            entities=[e.subject.id for e in shown],
            facts=[f.id for e in shown for f in e.facts[:1]],
            sources=[s for e in shown for s in e.sources],
            suggest_from=event.subject,
        )

    def events_list(
        self,
        lead: str,
        title: str | None,
        events: Sequence[Event],
        timeline: bool,
        stated: Fact | None = None,
        scope: Iterable[str] = (),
    ) -> Answer:
        """A list of events: a timeline (date and record) or a list of labels; a stated total leads. With no
        title (no kind of event asked), the thing in scope names it."""
        body: list[Block] = []
        if stated:
            body.append(Block("paragraph", stated.text(self.lang)))
        body.append(Block("paragraph", lead))
        scope = tuple(scope)
        items = tuple(self.line(e, scope) if timeline else self.label(e) for e in events)
        body.append(Block("list", items=items))
        facts = [*([stated] if stated else []), *(f for e in events for f in e.facts[:1])]
        main = self.kb.entities[next(iter(scope), events[0].subject.id)]
        return self.make(
            "answer",
            True,
            0.85,
            title=title or main.name(self.lang),
            body=body,
            entities=[*scope, *(e.subject.id for e in events)],
            facts=[f.id for f in facts],
            sources=[s for f in facts for s in f.sources]
            + [s for e in events if not e.facts for s in e.subject.sources],
            suggest_from=main,
        )

    def next_after(self, event: Event, following: Event) -> Answer:
        kind = event.kind if following.kind == event.kind else None  # 'the event after', if not of its kind
        lead = self.say("next_lead", kind=self.kind_name(kind), item=self.label(event), next=self.label(following))
        return self._led_event(lead, following, 0.85, (following.subject.id, event.subject.id))

    def nothing_after(self, event: Event) -> Answer:
        """'What came after the Kyrgyzstan MOU?': it is the last of its kind on record."""
        lead = self.say("next_none", kind=self.kind_name(event.kind), item=self.label(event))
        return self._led_event(lead, event, 0.8, (event.subject.id,))

    def _led_event(self, lead: str, event: Event, confidence: float, entities: Sequence[str]) -> Answer:
        """A line on how events follow one another, then the record of the one it names."""
        body = [Block("paragraph", lead)]
        if event.headline:
            body += self.fact_blocks(event.headline, None)
        return self.make(
            "answer",
            True,
            confidence,
            title=self.title(event),
            body=body,
            entities=entities,
            facts=[f.id for f in event.facts[:1]],
            sources=event.sources,
            suggest_from=event.subject,
        )

    def source_events(self, source: SourceRef, events: Sequence[Event]) -> Answer:
        """What the newest (or oldest) document records."""
        body = [
            Block("paragraph", self.say("latest_source", source=source.citation())),
            Block("list", items=tuple(self.line(e) for e in events)),
        ]
        facts = [f for e in events for f in e.facts[:1]]
        return self.make(
            "answer",
            True,
            0.85,
            title=source.title,
            body=body,
            entities=[e.subject.id for e in events],
            facts=[f.id for f in facts],
            sources=[source.id],
            intent="source",
            suggest_from=events[0].subject if events else None,
        )

    def nothing_in_period(self, period: Period, kind: str | None) -> Answer:
        line = self.say("period_none", period=self.period_name(period), kind=self.kind_name(kind))
        body = [Block("paragraph", line), Block("paragraph", self.say("contact_answer"))]
        return self.make("unknown", False, 0.3, title=self.period_name(period), body=body, contact=self.default_contact)

    def comparison(self, lead: str, events_or_facts: Sequence[Event | Fact], entities: Sequence[str]) -> Answer:
        body = [Block("paragraph", lead)]
        facts: list[Fact] = []
        sources: list[str] = []
        for item in events_or_facts:
            fact = item.headline if isinstance(item, Event) else item
            if fact is not None:
                facts.append(fact)
                body.append(Block("paragraph", fact.text(self.lang)))
                sources += fact.sources
            elif isinstance(item, Event):
                sources += item.sources
        return self.make(
            "answer",
            True,
            0.85,
            title=" · ".join(self.name(e) for e in entities),
            body=body,
            entities=entities,
            facts=[f.id for f in facts],
            sources=sources,
            suggest_from=self.kb.entities[entities[0]],
        )

    def listing(self, title: str, items: Sequence[str], sources: Iterable[str], main: Entity, lead: str = "") -> Answer:
        body = ([Block("paragraph", lead)] if lead else []) + [Block("list", items=tuple(items))]
        return self.make(
            "answer", True, 0.8, title=title, body=body, entities=(main.id,), sources=sources, suggest_from=main
        )

    # -- replies that need no record -----------------------------------------------------------------

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
            0.9,
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
            0.9,
            title=label("sources", self.lang),
            body=[Block("list", items=items)],
            entities=entities,
            facts=facts,
            sources=source_ids,
            intent="source",
        )

    def unknown(self, names: str) -> Answer:
        body = [Block("paragraph", self.say("unknown_entity", name=names))]
        return self.make("unknown", False, 0.0, title=names, body=body, contact=self.default_contact)

    def clarify(self, options: tuple[str, ...]) -> Answer:
        """Between sure and nothing: ask back, offering the likely questions."""
        body = [Block("paragraph", self.say("clarify")), Block("list", items=options)]
        return self.make("clarify", False, 0.4, title="", body=body, suggestions=options)

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
            "answer", True, 1.0, title="", body=[Block("paragraph", text), Block("list", items=items)], intent="source"
        )

    def fallback(self) -> Answer:
        body = [Block("paragraph", self.say("fallback"))]
        return self.make(
            "fallback",
            False,
            0.0,
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
            "smalltalk", True, 1.0, title="", body=body, suggestions=self.kb.examples[self.lang][:3], intent=intent
        )


def _restated(fact: Fact, text: str) -> bool:
    """Whether an earlier figure is already in the text shown ('33 in 2022, up from 12 in 2013'): said once."""
    if fact.count is None:
        return False
    year = (fact.as_of or fact.date or "")[:4]
    return fact.count.value in stated_counts(text) and (not year or year in text)
