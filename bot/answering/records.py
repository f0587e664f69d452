"""The records as data: events with dates, kinds, partners and countries, and figures stated over time.

Questions across records (the first country to get KONEPS, the latest news, what happened in May 2024,
every MOU, how many trainings, which came first) are computed here from the fact base's fields, so a
new record shows up in them with no change to code. See docs/fact-base.md for the fields relied on.

An event is something that happened, or was planned, at a date. It is built from the facts: the dated
facts of one kind about one subject are one event. A fact about a programme that is an event itself
(a forum, a training, a visit) belongs to that programme's event, dated by the programme's `start`
and `end`; any other dated fact of an event type (an export, an MOU, a contract) is an event of that
type about the first country it concerns, else about its first entity. A programme with a `start`
and no facts is an event of its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.factbase.model import (
    EVENT_PROGRAMME_KINDS,
    EVENT_TYPES,
    PEOPLE_UNITS,
    Audience,
    Entity,
    Fact,
    KnowledgeBase,
    Quantity,
    pickled_by_fields,
)
from bot.reading.periods import Period, newest_first

# Events of these kinds are about a country: the export *to* Vietnam, the MOU *with* Kyrgyzstan.
COUNTRY_KINDS = ("export", "mou", "contract", "dispatch", "pilot")
EVENT_KINDS = frozenset((*EVENT_TYPES, *EVENT_PROGRAMME_KINDS))


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # a fact type (export, mou, ...) or an event programme's kind (training, forum, ...)
    subject: Entity  # the programme, or the country an export or an MOU went to
    start: str
    end: str | None
    status: str | None  # completed | planned | ongoing, as the records say
    facts: tuple[Fact, ...]  # its records, in the curator's order: the first is the headline
    entities: frozenset[str]  # everything its records concern, with the programme's partners and countries
    regions: frozenset[str]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.subject.id}"

    @property
    def kinds(self) -> frozenset[str]:
        """Its kind, and for a programme every kind its headline record names (the IDB course is a training
        and a workshop)."""
        if self.subject.type == "programme" and self.headline:
            return frozenset({self.kind, *(t for t in self.headline.topics if t in EVENT_KINDS)})
        return frozenset({self.kind})

    @property
    def headline(self) -> Fact | None:
        return self.facts[0] if self.facts else None

    @property
    def planned(self) -> bool:
        return self.status == "planned"

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s for f in self.facts[:1] for s in f.sources)) or self.subject.sources

    def concerns(self, entity: Entity) -> bool:
        """Whether the event involves an entity: named in its records, its region, or a member of a group.
        (`Records` indexes events by this; a test holds the index to it.)"""
        if entity.id in self.entities or entity.id in self.regions:
            return True
        return bool(entity.members) and any(m in self.entities for m in entity.members)


pickled_by_fields(Event)


def _years_of(event: Event) -> range | None:
    """The years an event's dates span, None when its dates are not ISO."""
    try:
        first = int(event.start[:4])
        return range(first, int((event.end or event.start)[:4]) + 1)
    except ValueError:
        return None


def comparable(a: Quantity, b: Quantity) -> bool:
    """Two figures can be set side by side: the same unit, or both counts of people (officials, participants)."""
    return a.unit == b.unit or (a.unit in PEOPLE_UNITS and b.unit in PEOPLE_UNITS)


class Records:
    """Built once per fact base: its events in date order, and its counts."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        grouped: dict[tuple[str, str], list[Fact]] = {}
        self._kind_of_fact: dict[str, str] = {}
        for fact in kb.facts:
            if fact.type in EVENT_TYPES and fact.date:
                kind_and_subject = self._kind_and_subject(fact)
                grouped.setdefault(kind_and_subject, []).append(fact)
                self._kind_of_fact[fact.id] = kind_and_subject[0]
        events = [self._event(kind, kb.entities[subject], facts) for (kind, subject), facts in grouped.items()]
        covered = {e.subject.id for e in events}
        for entity in kb.entities.values():
            is_event = entity.type == "programme" and entity.kind in EVENT_PROGRAMME_KINDS and entity.start
            if is_event and entity.id not in covered:
                events.append(self._event(entity.kind or "event", entity, []))
        self.events: tuple[Event, ...] = tuple(sorted(events, key=lambda e: (e.start, e.end or e.start)))
        self.counts = tuple(f for f in kb.facts if f.type == "count" and f.count)
        # Indexes, so a question touches the events and facts it is about, not all of them: positions in
        # `events` (date order) by kind, by what an event's records name, by its regions, by its headline's
        # sources; events by subject; facts by what they concern; counts by their subject and their topics.
        self._by_kind: dict[str, list[int]] = {}
        self._naming: dict[str, list[int]] = {}
        self._in_region: dict[str, list[int]] = {}
        self._by_source: dict[str, list[int]] = {}
        self._by_subject: dict[str, list[Event]] = {}
        self._by_year: dict[int, list[int]] = {}  # each year an event's dates span
        self._undated: list[int] = []
        for at, event in enumerate(self.events):
            span = _years_of(event)
            if span is None:
                self._undated.append(at)
            for year in span or ():
                self._by_year.setdefault(year, []).append(at)
            for kind in event.kinds:
                self._by_kind.setdefault(kind, []).append(at)
            for eid in event.entities:
                self._naming.setdefault(eid, []).append(at)
            for region in event.regions:
                self._in_region.setdefault(region, []).append(at)
            for source in dict.fromkeys(event.headline.sources if event.headline else ()):
                self._by_source.setdefault(source, []).append(at)
            self._by_subject.setdefault(event.subject.id, []).append(event)
        self._facts_about: dict[str, list[Fact]] = {}
        for fact in kb.facts:
            for eid in dict.fromkeys(fact.about):
                self._facts_about.setdefault(eid, []).append(fact)
        self._counts_of: dict[str, list[Fact]] = {}
        self._counts_on: dict[str, list[Fact]] = {}
        for fact in self.counts:
            self._counts_of.setdefault(fact.about[0], []).append(fact)
            for topic in dict.fromkeys(fact.topics):
                self._counts_on.setdefault(topic, []).append(fact)

    # -- building ------------------------------------------------------------------------------------

    def _kind_and_subject(self, fact: Fact) -> tuple[str, str]:
        head = self.kb.entities[fact.about[0]]
        if head.type == "programme" and head.kind in EVENT_PROGRAMME_KINDS:
            return head.kind or "event", head.id
        if fact.type in COUNTRY_KINDS:
            country = next((e for e in fact.about if self.kb.entities[e].type == "country"), None)
            if country:
                return fact.type, country
        return fact.type, head.id

    def _event(self, kind: str, subject: Entity, facts: list[Fact]) -> Event:
        dated = [f for f in facts if f.date]
        if subject.type == "programme" and subject.kind in EVENT_PROGRAMME_KINDS and subject.start:
            start, end = subject.start, subject.end
        else:
            start = min(f.date for f in dated if f.date) if dated else subject.start or ""
            end = next((f.end for f in dated if f.end), None)
        status = next((f.status for f in facts if f.status), None)
        entities = {subject.id, *subject.partners, *subject.countries, *(e for f in facts for e in f.about)}
        regions = {region for e in entities if (region := self.kb.entities[e].region)}
        regions |= {e for e in entities if self.kb.entities[e].type == "region"}
        return Event(kind, subject, start, end, status, tuple(facts), frozenset(entities), frozenset(regions))

    # -- questions -----------------------------------------------------------------------------------

    def select(
        self,
        kinds: Iterable[str] = (),
        scope: Iterable[str] = (),
        period: Period | None = None,
        audience: Audience = "public",
    ) -> list[Event]:
        """Events of these kinds (any when none) that concern every scope entity, within the period, by date."""
        kinds, scope_entities = set(kinds), [self.kb.entities[e] for e in scope]
        candidates: set[int] | None = None
        if kinds:
            candidates = {at for kind in kinds for at in self._by_kind.get(kind, ())}
        for entity in scope_entities:
            concerning = self._concerning(entity)
            candidates = concerning if candidates is None else candidates & concerning
        within = self._within(period) if period else None
        if within is not None:
            candidates = within if candidates is None else candidates & within
        pool = self.events if candidates is None else [self.events[at] for at in sorted(candidates)]
        return [e for e in pool if (period is None or period.holds(e.start, e.end)) and self._visible(e, audience)]

    def _within(self, period: Period) -> set[int] | None:
        """Positions of the events whose years meet the period's (`Period.holds` decides), None for a bound that
        is not a year."""
        try:
            first = int(period.start[:4]) if period.start else min(self._by_year, default=0)
            last = int(period.end[:4]) if period.end else max(self._by_year, default=0)
        except ValueError:
            return None
        return {at for year in range(first, last + 1) for at in self._by_year.get(year, ())} | set(self._undated)

    def _concerning(self, entity: Entity) -> set[int]:
        """Positions of the events that concern an entity (Event.concerns): naming it, in it, or naming a member."""
        found = {*self._naming.get(entity.id, ()), *self._in_region.get(entity.id, ())}
        for member in entity.members:
            found.update(self._naming.get(member, ()))
        return found

    def _visible(self, event: Event, audience: Audience) -> bool:
        if audience == "staff":
            return True
        return event.subject.visibility == "public" and all(f.visibility == "public" for f in event.facts[:1])

    def of_entity(self, entity_id: str, kinds: Iterable[str] = (), audience: Audience = "public") -> Event | None:
        """The event an entity stands for in a comparison: its own (a forum), else the first it is the subject
        of (Mongolia's export), else the first it takes part in; events of the asked kinds first."""
        kinds = set(kinds)
        entity = self.kb.entities[entity_id]
        pools = (self.own_events(entity_id), [self.events[at] for at in sorted(self._concerning(entity))])
        for pool in pools:
            pool = [e for e in pool if self._visible(e, audience)]
            preferred = [e for e in pool if e.kinds & kinds] or ([] if kinds and pool is pools[1] else pool)
            if preferred:
                return preferred[0]
        return None

    def after(self, event: Event, audience: Audience = "public", same_kind: bool = True) -> Event | None:
        """The next event of the same kind (what came after Vietnam's export), or of any kind."""
        later = [e for e in self.select(event.kinds if same_kind else (), (), None, audience) if e.start > event.start]
        return later[0] if later else None

    def source_events(self, source_id: str, audience: Audience = "public") -> list[Event]:
        """The events a document records (its headline records cite it)."""
        found = (self.events[at] for at in self._by_source.get(source_id, ()))
        return [e for e in found if self._visible(e, audience)]

    def own_events(self, entity_id: str) -> list[Event]:
        """The events an entity is the subject of (the forum itself; Mongolia's export)."""
        return list(self._by_subject.get(entity_id, ()))

    def series(self, fact: Fact) -> list[Fact]:
        """The same figure stated at different dates (KONEPS's export countries: 4 in 2014, 9 in 2024), newest
        first: count facts about the same thing, in the same unit, on the same topics."""
        if fact.count is None:
            return [fact]
        same = [
            f
            for f in self._counts_of.get(fact.about[0], ())
            if f.count and f.count.unit == fact.count.unit and set(f.topics) == set(fact.topics)
        ]
        return sorted(same, key=lambda f: f.as_of or f.date or "", reverse=True)

    def kinds_of(self, fact_ids: Iterable[str]) -> frozenset[str]:
        """The kinds of event these records are of (the exports an answer gave)."""
        return frozenset(self._kind_of_fact[f] for f in fact_ids if f in self._kind_of_fact)

    def kinds_naming(self, entity_ids: Iterable[str], audience: Audience = "public") -> frozenset[str]:
        """The kinds of event that concern these things (Tunisia: its export)."""
        return frozenset(e.kind for eid in entity_ids for e in self.select((), (eid,), None, audience))

    def stated_count(self, kind: str, audience: Audience = "public") -> Fact | None:
        """The newest count the sources state for a kind of event (9 countries for KONEPS exports), if any. A
        count of one event's own (18 countries at the forum) counts who took part, not events of its kind."""
        found = [
            f
            for f in self._counts_on.get(kind, ())
            if "countries" in f.topics
            and not self._of_one_event(f)
            and (audience == "staff" or f.visibility == "public")
        ]
        return max(found, key=lambda f: f.as_of or f.date or "", default=None)

    def _of_one_event(self, fact: Fact) -> bool:
        head = self.kb.entities[fact.about[0]]
        return head.type == "programme" and head.kind in EVENT_PROGRAMME_KINDS

    def figure(self, entity_id: str, field: str, people: bool | None = None) -> Fact | None:
        """The fact giving an entity's count or amount (`field`), the entity's own record first, newest first.
        `people` prefers counts of people (21 officials) over counts of countries (11), or the reverse."""
        about = [f for f in self._facts_about.get(entity_id, ()) if getattr(f, field) is not None]
        if self.kb.entities[entity_id].type == "country":
            # The ADB training's 21 officials are not Kyrgyzstan's figure: a country's is its own record's.
            about = [f for f in about if f.about[0] == entity_id]
        if field == "count" and people is not None:
            wanted = [f for f in about if f.count and (f.count.unit in PEOPLE_UNITS) == people]
            about = wanted or about
        about.sort(key=lambda f: (f.about[0] != entity_id, newest_first(f.as_of or f.date or "")))
        return about[0] if about else None
