"""Comparisons of things a question names: which came first and how far apart, which was bigger and by how much,
how many times over, how long each lasted, their sum; or, when no date or figure is asked, what the sources say
of each side by side. Across (across.py) decides that a question compares; this computes it from `Records`.
"""

from __future__ import annotations

from bot.answering.case import Case
from bot.answering.joined import joined
from bot.answering.records import Event, comparable
from bot.answering.request import COMPARE_CUES
from bot.factbase.model import Quantity, Want
from bot.reading.counting import names_people
from bot.showing.answer import Answer
from bot.showing.formatting import days_between

DAY_LENGTH = len("2024-05-07")  # a date to the day
COUNTED_NOUNS = frozenset(("countries", "participants", "members"))  # what a stated count counts


class Comparisons:
    """The comparisons one case can ask for."""

    def __init__(self, turn: Case) -> None:
        self.turn, self.u, self.records, self.compose = turn, turn.u, turn.records, turn.compose
        self.audience = turn.audience

    def _order_asked(self) -> bool:
        """'Did Tunisia get KONEPS before Mongolia?': before or after another thing, not a period; 'before Cameroon
        and Jordan, how many countries?' counts what came before them."""
        counting = self.turn.intent in ("how_many", "how_much", "list")
        return bool(self.u.cues & {"before", "after"}) and self.u.period is None and not counting

    def compare(self, things: list[str]) -> Answer:
        field = "date" if self._order_asked() else self.compare_field(things)
        if field == "":
            # 'How did the Cameroon and Jordan exports differ?': no date or figure asked, so no verdict on one;
            # what the sources say of each, side by side.
            found = [(x, e) for x in things if (e := self.records.of_entity(x, self.turn.kinds, self.audience))]
            lead = self.compose.say("compare_side_by_side")
            return self.compose.comparison(lead, [e for _, e in found], [x for x, _ in found] or things)
        if field == "date":
            events = [(x, self.records.of_entity(x, self.turn.kinds, self.audience)) for x in things]
            missing = next((x for x, e in events if e is None), None)
            if missing:
                return self.cannot_compare(missing, "date")
            return self.compare_dates([(x, e) for x, e in events if e is not None])
        if field == "duration":
            return self.compare_durations(things)
        if field == "count" and {"countries", "participants"} <= self.turn.topics and names_people(self.u.terms):
            # 'Compare them in terms of countries and participants': both counts, each compared.
            return joined(
                [self.compare_figures(things, field, people=False), self.compare_figures(things, field, True)]
            )
        return self.compare_figures(things, field)

    def compare_field(self, things: list[str]) -> str:
        """Compare dates, counts or amounts: what the question's words say, else what the records have; ''
        when the question only asks how things compare."""
        cues, topics, intent = self.u.cues, self.turn.topics, self.turn.intent
        periods = "period" in topics and "compare" in cues and not cues & {"earlier", "later", "first"}
        if "difference" in cues and "duration" in cues:
            return "date"  # 'how many days apart were they?': between their dates, not how long each lasted
        if self.turn.ask.want == "duration" or periods:
            return "duration"  # 'compare the length of the IDB course and the ADB training', '기간을 비교하면'
        if (
            cues & COMPARE_CUES == {"compare"}
            and intent not in ("when", "how_much", "how_many")
            and not (topics & ({"budget"} | COUNTED_NOUNS) or cues & {"first", "latest"})
        ):
            return ""
        if cues & {"earlier", "later", "first", "years"} and not cues & {"more", "less"}:
            return "date"
        if "budget" in topics or intent == "how_much":
            return "amount"
        having = [f for f in ("count", "amount") if all(self.records.figure(x, f) for x in things)]
        if "ratio" in cues and not topics & COUNTED_NOUNS and having:
            return "amount" if "amount" in having else having[0]  # 'how many times larger': not a count asked
        if topics & COUNTED_NOUNS or intent == "how_many":
            return "count"
        if cues & {"more", "less", "than"}:
            return having[0] if having else "count"
        if "difference" in cues and intent != "when" and "amount" in having:
            return "amount"
        return "date"

    def compare_durations(self, things: list[str]) -> Answer:
        """How long each lasted, from its first and last day on record, and the difference."""
        events = [(x, self.records.of_entity(x, self.turn.kinds, self.audience)) for x in things]
        spans = [(x, e, days_between(e.start, e.end) if e and e.end else None) for x, e in events]
        missing = next((x for x, _, days in spans if days is None), None)
        if missing:
            return self.cannot_compare(missing, "duration")
        compose = self.compose
        sides = "; ".join(
            compose.say("compare_duration_side", name=compose.title(e), days=compose.say("days", n=str(days)))
            for _, e, days in spans
            if e is not None and days is not None
        )
        lengths = [days for _, _, days in spans if days is not None]
        difference = compose.say("days", n=str(max(lengths) - min(lengths)))
        same = len(set(lengths)) == 1
        lead = compose.say(
            "compare_durations_same" if same else "compare_durations", sides=sides, difference=difference
        )
        return compose.comparison(lead, [e for _, e, _ in spans if e is not None], things)

    def compare_dates(self, events: list[tuple[str, Event]]) -> Answer:
        compose = self.compose
        ordered = sorted(events, key=lambda p: p[1].start)
        (first, fe), (last, le) = ordered[0], ordered[-1]
        names = {x: compose.title(e) for x, e in ordered}
        days = days_between(fe.start, le.start) if len(fe.start) == len(le.start) == DAY_LENGTH else None
        if "duration" in self.u.cues and "difference" in self.u.cues and days is not None:
            # 'How many days apart were they?': from the first day of one to the first day of the other.
            lead = compose.say(
                "compare_days_apart",
                days=compose.say("days", n=str(days - 1)),
                first=names[first],
                second=names[last],
                first_date=compose.when(fe),
                second_date=compose.when(le),
            )
        elif self.u.cues & {"years", "difference"}:
            years = abs(int(le.start[:4]) - int(fe.start[:4]))
            lead = compose.say(
                "compare_years",
                years=str(years),
                first=names[first],
                second=names[last],
                first_date=compose.when(fe),
                second_date=compose.when(le),
            )
        elif fe.start == le.start:
            lead = compose.say("compare_same_date", date=compose.when(fe))
        elif self.u.cues & {"later", "latest"} and not self.u.cues & {"earlier", "first"}:
            # 'which is more recent?': the later one first.
            lead = compose.say(
                "compare_later",
                last=names[last],
                other=names[ordered[-2][0]],
                last_date=compose.when(le),
                other_date=compose.when(ordered[-2][1]),
            )
        else:
            lead = compose.say(
                "compare_earlier",
                first=names[first],
                second=names[ordered[1][0]],
                first_date=compose.when(fe),
                second_date=compose.when(ordered[1][1]),
            )
        answer = compose.comparison(lead, [e for _, e in ordered], [x for x, _ in ordered])
        cues = self.u.cues
        before = cues & {"before", "earlier", "first"}
        if self.turn.yes_no and (before or cues & {"after", "later", "latest"}) and fe.start != le.start:
            # Yes or no first: whether the thing named first came before (or after) the other, as asked.
            asked = sorted(events, key=lambda p: self._written_at(p[0]))
            named_first_earlier = asked[0][1].start < asked[1][1].start
            agrees = named_first_earlier == bool(before)
            answer = compose.prepend(answer, compose.say("premise_yes" if agrees else "answer_no"))
        return answer

    def _written_at(self, eid: str) -> int:
        """Where the question names a thing: its own name, or a name that implied it ('World Bank' + forum)."""
        entity = self.turn.entity(eid)
        naming = {eid, *entity.partners, *entity.countries}
        return min((m.start for m in self.u.mentions if m.target in naming), default=len(self.u.text))

    def compare_figures(self, things: list[str], field: str, people: bool | None = None) -> Answer:
        compose, topics = self.compose, self.turn.topics
        if people is None:
            # '참가국 수' counts countries (참가국 speaks of those taking part too); people only when only they are.
            people = False if "countries" in topics else True if "participants" in topics else None
        facts = [(x, self.records.figure(x, field, people)) for x in things]
        missing = next((x for x, f in facts if f is None or getattr(f, field) is None), None)
        if missing:
            return self.cannot_compare(missing, "amount" if field == "amount" else "count")
        figures = [(x, f, getattr(f, field)) for x, f in facts if f is not None]
        if not all(comparable(figures[0][2], q) for _, _, q in figures[1:]):
            return self.cannot_compare(figures[-1][0], "amount" if field == "amount" else "count")
        ranked = sorted(figures, key=lambda t: -t[2].value)
        (more, fm, qm), (less, fl, ql) = ranked[0], ranked[-1]
        if "less" in self.u.cues:
            (more, fm, qm), (less, fl, ql) = (less, fl, ql), (more, fm, qm)
        values = {
            "more": compose.name(more),
            "less": compose.name(less),
            "more_value": compose.value(qm, field),
            "less_value": compose.value(ql, field),
        }
        if "sum" in self.u.cues:
            total = Quantity(sum(q.value for _, _, q in figures), qm.unit)
            items = ", ".join(f"{compose.name(x)} {compose.value(q, field)}" for x, _, q in figures)
            lead = compose.say("compare_sum", total=compose.value(total, field), items=items)
            return compose.comparison(lead, [f for _, f, _ in figures], [x for x, _, _ in figures])
        if "ratio" in self.u.cues and ql.value:
            times = f"{qm.value / ql.value:.1f}".removesuffix(".0")
            lead = compose.say("compare_ratio", times=times, **values)
        elif self.u.cues & {"difference"} or ("than" in self.u.cues and self.turn.intent in ("how_many", "how_much")):
            gap = Quantity(abs(qm.value - ql.value), qm.unit)
            lead = compose.say("compare_difference", difference=compose.value(gap, field), **values)
        elif qm.value == ql.value:
            lead = compose.say("compare_equal", value=values["more_value"])
        else:
            lead = compose.say("compare_larger" if field == "amount" else "compare_more", **values)
        return compose.comparison(lead, [f for _, f, _ in ranked], [x for x, _, _ in ranked])

    def compare_with_extreme(self, thing: str) -> Answer | None:
        """'How many years from the first KONEPS export to the Kyrgyzstan MOU?': the first (or latest) of a kind
        against a named thing."""
        events = self.records.select(self.turn.kinds, (), None, self.audience)
        own = self.records.of_entity(thing, (), self.audience)
        if not events or own is None:
            return None
        extreme = events[0] if "first" in self.u.cues else events[-1]
        return self.compare_dates([(extreme.subject.id, extreme), (thing, own)])

    def cannot_compare(self, eid: str, want: Want) -> Answer:
        entity = self.turn.entity(eid)
        line = self.compose.say("compare_missing", name=entity.name(self.turn.lang), want=self.compose.want_name(want))
        return self.compose.not_on_record(entity, line, None)

    # -- order ---------------------------------------------------------------------------------------
