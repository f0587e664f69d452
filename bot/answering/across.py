"""Questions across records: which one a question asks, and its answer.

Comparisons of named things (which came first, which was bigger, the difference), the first or the latest
of a kind, what came next, what happened in a period, every item of a kind, how many there were, and
what the newest document records. Each is decided from the question's cues, kinds, period and names,
and computed by `Records` over the fact base's fields; `Composer` words the answer.
"""

from __future__ import annotations

from bot.answering.comparisons import Comparisons
from bot.answering.records import COUNTRY_KINDS, Event
from bot.answering.request import COMPARE_CUES
from bot.reading.periods import stated_counts
from bot.reading.question import subjects_of
from bot.showing.answer import Answer
from bot.text.normalize import normalize


class Across(Comparisons):
    """The questions across records one turn can ask (comparisons of named things: comparisons.py)."""

    def answer(self) -> Answer | None:
        turn, cues, kinds = self.turn, self.u.cues, self.turn.kinds
        if turn.intent == "source" and cues & {"latest", "first"}:
            return self.newest_document("first" in cues and "latest" not in cues)
        things = self.comparable()
        # What came next, or the next event planned; 'costa rica hub plan - which countries next' asks what the
        # plan says instead.
        planned = "plan" in cues or "expansion" in turn.topics  # ('코스타리카 다음 중남미 어디로 확대한다고 했지')
        next_event = "next" in cues and (not planned or "events" in cues)
        side_by_side = "or" in cues and cues & {"first", "latest"}  # 'which came first, Tunisia or Mongolia?'
        if len(things) >= 2 and (cues & COMPARE_CUES or side_by_side or self._order_asked()):
            return self.compare(things)
        if len(things) == 1 and cues & {"years", "difference"} and cues & {"first", "latest"} and kinds:
            return self.compare_with_extreme(things[0])
        events_named = [e for e in turn.specific if turn.is_event(e)]
        # With one event named, only 'all'/'events' words make a list across records: 'IDB course countries' is
        # a question about that course.
        about_else = subjects_of(turn.kb, turn.topics) - turn.kinds
        # ('IDB course 2014 countries - list?': the list is of the course named, not of 2014's events.)
        every = "events" in cues or ("all" in cues and not events_named)
        listing = every or (turn.intent == "list" and not events_named and not about_else)
        # 'After Vietnam's export', 'after the ADB training'; 'next with ADB' is about ADB's events, below.
        if next_event and len(things) == 1 and turn.entity(things[0]).type != "organisation":
            found = self.next_after(things[0])
            if found:
                return found
        if events_named and not listing:
            return None  # a question about one event: its records answer it
        scope = self.scope()
        if self.u.nth and kinds:
            return self.nth(self.u.nth)  # '나라장터 두번째로 수출한 나라'
        # 'What is next with ADB?' with no event to follow: the latest on record and what was planned after it.
        if (cues & {"first", "latest"} or next_event) and (kinds or scope or "events" in cues):
            found = self.first_or_latest("first" if "first" in cues else "latest")
            if found:
                return found
        period = self.u.period
        named_country = any(turn.entity(e).type == "country" for e in turn.specific)
        # ('when was KONEPS exported before 2014?': the exports of that period, with their dates)
        quiet = kinds and turn.intent in (None, "what_is", "overview", "when") and not named_country
        quiet = quiet and turn.ask.want != "amount"  # ('the cumulative value of exports as of 2024': a figure)
        if period and turn.intent != "how_many" and (listing or quiet):
            return self.in_period(scope)
        if listing and (kinds or scope) and not events_named:
            return self.items(scope)
        # "How many MOUs?" counts events; "how many countries visit?" asks a figure a record states.
        if turn.intent == "how_many" and self.u.counted in kinds and not events_named:
            return self.count(scope)
        return None

    # -- what a question is narrowed by, and what it compares ---------------------------------------

    def scope(self, order: bool = False) -> tuple[str, ...]:
        """Named things a question across records is narrowed by: regions, organisations, systems, and countries,
        except in a question of order about a kind of event that concerns countries: there a country named is
        a candidate ('was Mongolia the first to get KONEPS?'), not a filter."""
        turn = self.turn
        candidates = order and bool(turn.kinds) and turn.kinds <= set(COUNTRY_KINDS)
        out = []
        for eid in turn.entities:
            entity = turn.entity(eid)
            if eid in turn.ranker.generic or (entity.type == "country" and candidates):
                continue
            if entity.type in ("country", "region", "organisation") or (
                entity.type == "programme" and not turn.is_event(eid)
            ):
                out.append(eid)
        return tuple(out)

    def comparable(self) -> list[str]:
        """Named things that can be compared: each is an event of its own or has a figure of its own (not a
        region or a group, which only narrow a question)."""
        turn, out = self.turn, []
        # 'the Iraq KEPS budget': Iraq says whose KEPS; it is not a third thing to compare.
        # (An event's countries are those that took part, each comparable: 'the Kyrgyzstan MOU or the ADB training'.)
        places = {
            p
            for x in turn.specific
            for p in (
                (turn.entity(x).country,) if turn.is_event(x) else (*turn.entity(x).countries, turn.entity(x).country)
            )
            if p and p != x
        }
        for eid in turn.specific:
            entity = turn.entity(eid)
            if entity.type in ("person", "region") or entity.members or eid in turn.ranker.generic or eid in places:
                continue
            if self.records.own_events(eid) or self.records.figure(eid, "count") or self.records.figure(eid, "amount"):
                out.append(eid)
        return out

    def kind(self) -> str | None:
        return sorted(self.turn.kinds)[0] if self.turn.kinds else None

    def first_or_latest(self, which: str) -> Answer | None:
        turn = self.turn
        events = self.records.select(turn.kinds, self.scope(order=True), self.u.period, self.audience)
        if not events:
            return None
        if which == "first":
            chosen, upcoming = events[0], []
        else:
            happened = [e for e in events if not e.planned] or events
            chosen = happened[-1]
            upcoming = [e for e in events if e.planned and e.start > chosen.start]
        named = [e for e in turn.specific if e not in turn.ranker.generic and turn.entity(e).type != "region"]
        if which == "first" and named and chosen.subject.id not in named and self._says_first(named):
            return None  # 'Kyrgyzstan, the first in Central Asia?': its own record says in what it was first
        answer = self.compose.first_or_latest(which, self.kind(), chosen, upcoming)
        return self.confirm(answer, chosen)

    def _says_first(self, named: list[str]) -> bool:
        """Whether a named thing's own record says it was a first ('the first country in Central Asia')."""
        lang = self.turn.lang
        words = [normalize(w) for w in self.turn.kb.cues.get("first", {}).get(lang, ())]
        return any(
            any(w in normalize(f.text(lang)) for w in words)
            for eid in named
            for f in self.turn.ranker.facts_about(eid)
            if f.about[0] == eid
        )

    def nth(self, n: int) -> Answer:
        """The n-th event of a kind on record, by date."""
        turn = self.turn
        happened = self.records.select(turn.kinds, self.scope(order=True), self.u.period, self.audience)
        if len(happened) < n:
            line = self.compose.say(
                "nth_none",
                kind=self.compose.kind_name(self.kind()),
                count=str(len(happened)),
                nth=self.compose.nth_word(n),
            )
            return self.compose.only_not_on_record(line, self.compose.kind_name(self.kind()))
        return self.confirm(self.compose.nth(n, self.kind(), happened[n - 1]), happened[n - 1])

    def confirm(self, answer: Answer, chosen: Event) -> Answer:
        """'Was Mongolia the first?': a yes or no ahead of the first one on record."""
        turn = self.turn
        named = [e for e in turn.specific if turn.entity(e).type == "country"]
        if not named or not (self.u.cues & {"confirm"} or turn.yes_no):
            return answer
        agrees = chosen.subject.id in named
        lead = (
            self.compose.say("premise_yes")
            if agrees
            else self.compose.say("premise_no", value=self.compose.label(chosen))
        )
        return self.compose.prepend(answer, lead)

    def next_after(self, thing: str) -> Answer | None:
        own = self.records.of_entity(thing, self.turn.kinds, self.audience)
        if own is None:
            return None
        # The next of its kind; else, when no kind or edition was asked, whatever came next ('after the ADB
        # training?'). The next edition of a thing ('the next World Bank forum') is of its kind or not on record.
        same_kind_only = bool(self.turn.kinds) or self.u.edition
        if self.turn.kinds and not own.kinds & self.turn.kinds:
            # 'and the workshop after it?' after the training: the next event of the kind asked.
            later = [e for e in self.records.select(self.turn.kinds, (), None, self.audience) if e.start > own.start]
            following = later[0] if later else None
        else:
            following = self.records.after(own, self.audience) or (
                None if same_kind_only else self.records.after(own, self.audience, same_kind=False)
            )
        return self.compose.next_after(own, following) if following else self.compose.nothing_after(own)

    # -- lists and counts ----------------------------------------------------------------------------

    def in_period(self, scope: tuple[str, ...]) -> Answer:
        period, compose = self.u.period, self.compose
        assert period is not None
        events = self.records.select(self.turn.kinds, scope, period, self.audience)
        if not events:
            return compose.nothing_in_period(period, self.kind())
        name = compose.period_name(period)
        lead = compose.say("period_lead", period=name, count=str(len(events)))
        timeline = not self.turn.kinds or "events" in self.u.cues
        return compose.events_list(lead, name, events, timeline=timeline, scope=scope)

    def items(self, scope: tuple[str, ...]) -> Answer | None:
        events = self.records.select(self.turn.kinds, scope, None, self.audience)
        kind = self.kind()
        if self.turn.ask.want == "amount" and kind and events:
            # 'The total export value across all nine?': a sum of figures the records do not give (one export's
            # contract is not the total), not their list.
            subject = events[0].subject if scope else self.turn.entity(self.turn.specific[0])
            line = self.compose.missing(subject, kind, "amount")
            return self.compose.not_on_record(subject, line, self.records.stated_count(kind, self.audience))
        if not events or (len(events) == 1 and not self.turn.kinds):
            return None  # one event for one thing named ('what has the Ministry of Interior done?'): say it fully
        regions = [e for e in scope if self.turn.kb.entities[e].type == "region"]
        if regions and not self.turn.kinds and "countries" in self.turn.topics:
            return None  # 'which Central Asian countries work with PPS?': the region's overview names them
        compose = self.compose
        stated = self.records.stated_count(kind, self.audience) if kind and not scope else None
        named = {"kind": compose.kind_name(kind), "count": str(len(events))}
        total = stated.count.value if stated and stated.count else 0
        every = "all" in self.u.cues and total in stated_counts(self.u.text) and self.turn.ask.want is None
        if total > len(events) and every:
            # '9개국 전체 국가명': every one counted, and the sources name fewer: not on record, but for those named.
            lead = compose.say("names_not_all", count=f"{total:g}", named=str(len(events)))
            return compose.as_not_on_record(
                compose.events_list(lead, kind and compose.kind_name(kind), events, timeline=False, stated=stated)
            )
        if stated:
            lead = compose.say("named_in_sources")
        elif scope:
            lead = compose.say("items_lead_scope", scope=", ".join(compose.name(e) for e in scope), **named)
        else:
            lead = compose.say("items_lead", **named)
        timeline = not self.turn.kinds or "events" in self.u.cues
        return compose.events_list(
            lead, kind and compose.kind_name(kind), events, timeline=timeline, stated=stated, scope=scope
        )

    def count(self, scope: tuple[str, ...]) -> Answer | None:
        events = self.records.select(self.turn.kinds, scope, self.u.period, self.audience)
        if not events:
            return None
        compose, kind = self.compose, self.kind()
        # A total the sources state (KONEPS in 9 countries) comes first: the records name fewer than it counts.
        stated = self.records.stated_count(kind, self.audience) if kind and not scope and not self.u.period else None
        lead = (
            compose.say("named_in_sources")
            if stated
            else compose.say("count_items", kind=compose.kind_name(kind), count=str(len(events)))
        )
        return compose.events_list(
            lead, kind and compose.kind_name(kind), events, timeline=False, stated=stated, scope=scope
        )

    def newest_document(self, oldest: bool) -> Answer | None:
        """'가장 최근 보도자료 내용': the newest (or oldest) document and what it records."""
        compose = self.compose
        refs = list(compose.sources_cited(self.turn.kb.sources))
        if not refs:
            return None
        source = refs[-1] if oldest else refs[0]
        return compose.source_events(source, self.records.source_events(source.id, self.audience))
