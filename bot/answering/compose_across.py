"""Answers across records: the first or latest of a kind, what came next, what a document records, what
happened in a period, a comparison of named things, and lists (of events, or a programme's countries)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.answering.compose_records import RecordAnswers
from bot.answering.confidence import ACROSS, LISTED, NOT_ON_RECORD
from bot.answering.records import Event
from bot.factbase.model import Entity, Fact
from bot.reading.ordinals import EN_NUMBERS
from bot.reading.periods import Period
from bot.showing.answer import Answer, Block, SourceRef

EN_ORDINALS = {n: word for word, n in EN_NUMBERS.items()}


class AcrossAnswers(RecordAnswers):
    """The answers that set records side by side or in order; an event's own record is shown as records are."""

    def first_or_latest(self, which: str, kind: str | None, event: Event, upcoming: Sequence[Event]) -> Answer:
        lead = self.say(f"{which}_lead", kind=self.kind_name(kind), item=self.label(event))
        return self._in_order(lead, kind, event, upcoming)

    def nth(self, n: int, kind: str | None, event: Event) -> Answer:
        """'The second country KONEPS went to': the n-th of its kind on record, by date."""
        lead = self.say("nth_lead", nth=self.nth_word(n), kind=self.kind_name(kind), item=self.label(event))
        return self._in_order(lead, kind, event, ())

    def nth_word(self, n: int) -> str:
        return str(n) if self.lang == "ko" else EN_ORDINALS.get(n, f"{n}th")

    def _in_order(self, lead: str, kind: str | None, event: Event, upcoming: Sequence[Event]) -> Answer:
        """An event picked by its place in time, led by the line saying which, then its record."""
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
            ACROSS,
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
            ACROSS,
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
        return self._led_event(lead, following, ACROSS, (following.subject.id, event.subject.id))

    def nothing_after(self, event: Event) -> Answer:
        """'What came after the Kyrgyzstan MOU?': it is the last of its kind on record."""
        lead = self.say("next_none", kind=self.kind_name(event.kind), item=self.label(event))
        # Nothing later is on record: an honest 'not on record', with whom to ask about what comes next.
        return self.as_not_on_record(self._led_event(lead, event, NOT_ON_RECORD, (event.subject.id,)))

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
            ACROSS,
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
        return self.make(
            "unknown", False, NOT_ON_RECORD, title=self.period_name(period), body=body, contact=self.default_contact
        )

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
            ACROSS,
            title=" · ".join(self.name(e) for e in entities),
            body=body,
            entities=entities,
            facts=[f.id for f in facts],
            sources=sources,
            suggest_from=self.kb.entities[entities[0]],
        )

    def listing(
        self,
        title: str,
        items: Sequence[str],
        sources: Iterable[str],
        main: Entity,
        lead: str = "",
        facts: Sequence[str] = (),
    ) -> Answer:
        """Items of something, by name, after a lead (`facts`: the records the lead states)."""
        body = ([Block("paragraph", lead)] if lead else []) + [Block("list", items=tuple(items))]
        return self.make(
            "answer",
            True,
            LISTED,
            title=title,
            body=body,
            entities=(main.id,),
            facts=facts,
            sources=sources,
            suggest_from=main,
        )
