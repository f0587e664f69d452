"""The answer from the records about the named things: ranked (ranking.py), the best chosen with what else
answers as well, led by yes or no to a figure the question states (a false premise), the change asked for or
the currency the sources use; or, when no record holds what is asked, exactly what is not on record."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.answering.case import Case
from bot.answering.confidence import HELD
from bot.answering.details import COUNTRY_COUNT, HEADCOUNT
from bot.answering.ranking import W_ENTITY, W_INTENT, W_PRIMARY, W_TOPIC, W_WANT, Scored
from bot.answering.records import COUNTRY_KINDS, EVENT_KINDS
from bot.answering.verify import concerns, unaccounted
from bot.factbase.model import Fact, Want, visible
from bot.reading.counting import names_people
from bot.reading.entities import strip_particles
from bot.reading.periods import currency_asked
from bot.reading.question import Ask
from bot.showing.answer import Answer
from bot.showing.formatting import format_count, format_date
from bot.text.normalize import normalize

# Details that say when something happened: a plan cannot give them.
WHEN_WANTS: frozenset[Want | None] = frozenset({"date", "day", "start", "end", "duration"})

# Details a record gives as written, whatever else it is about: a date, a span, a place (a count or an amount of
# something else is a different figure, and stays 'not on record').
SHOWN_AS_WRITTEN: frozenset[Want | None] = frozenset({"date", "day", "start", "end", "duration", "place"})


class AboutNamed:
    """The records about what one turn names, and its answer from them."""

    def __init__(self, turn: Case) -> None:
        self.turn, self.u, self.lang, self.kb = turn, turn.u, turn.lang, turn.kb
        self.compose, self.ranker, self.records = turn.compose, turn.ranker, turn.records

    def answer(self) -> Answer:
        """The best record about what is named, with what else answers as well; its overview when that answers
        best; or exactly what is not on record."""
        ask = self.turn.ask
        missing_kind = self._no_event_of_kind(ask)
        ranked = self.ranker.rank(ask)
        best = ranked[0]
        text = best.fact.text(self.lang) if best.fact else best.entity.summary(self.lang)
        # Words the fact base cannot place ('job openings') make a question off topic, unless the record found
        # uses them itself or is about what the question is about.
        off_topic = (
            self.turn.off_topic()
            and not self.ranker.lexical(ask, normalize(text))
            and not (best.fact and ask.subjects & set(best.fact.topics))
        )
        planned = self._only_planned(ranked)
        if planned:
            return planned
        if missing_kind or not best.answers or off_topic or not self._about_what_is_named(best):
            return self.not_on_record(ask, ranked, missing_kind)
        closest = max((s for s in ranked if s.fact), key=lambda s: s.score, default=best)
        if (
            ask.want == "count"
            and closest.fact
            and closest.fact.count
            and closest.score - best.score >= W_TOPIC
            and not self.ranker.counts_what_is_asked(ask, closest.fact)
        ):
            # 'How many officials visit every year?': the record about it counts countries, not officials; another
            # record's headcount (one delegation's 14) would answer a different question.
            return self.not_on_record(ask, [closest, *ranked])
        if best.fact is None:
            return self.compose.overview(best.entity, self.confidence(ask, best.score), ask.want)
        chosen = self._chosen(ask, ranked)
        if self._figure_of_another_year(ask, chosen):
            # 'The cumulative value of KONEPS exports as of 2024?': the only value on record is of 2014.
            return self.not_on_record(ask, ranked)
        if (in_document := self._in_its_document(ask, chosen)) is not None:
            return self.records_answer(ask, [in_document], HELD, in_document.about)
        chosen += self._second_detail(ask, chosen)
        # What the answer is about, its main subject first: a follow-up ('who funded it?') continues from it.
        entities = list(
            dict.fromkeys(
                [*(f.about[0] for f in chosen), *(e for e in self.turn.entities if any(e in f.about for f in chosen))]
            )
        )
        return self.records_answer(ask, chosen, self.confidence(ask, best.score), entities)

    def _about_what_is_named(self, best: Scored) -> bool:
        """The record found concerns something specific the question names: 'how much did Kyrgyzstan pay for
        the system?' is never answered by the Cameroon contract, however well its amount fits."""
        generic = self.ranker.generic
        named = [e for e in self.turn.specific if e not in generic]
        if best.fact is None or not named:
            return True
        # Every country named (a record on another country is a neighbour), else at least one thing named.
        countries = [e for e in named if self.turn.entity(e).type == "country"]
        if "source" in self.u.topics or "according" in self.u.cues:
            # '이라크 자료 기준': a country may say which document, not what the record is about.
            countries = [e for e in countries if not set(self.turn.entity(e).sources) & set(best.fact.sources)]
        if countries:
            return all(concerns(self.kb, best.fact, e, generic) for e in countries)
        return any(concerns(self.kb, best.fact, e, generic) for e in named)

    def records_answer(self, ask: Ask, chosen: list[Fact], confidence: float, entities: Sequence[str]) -> Answer:
        """The records chosen, the first leading: its earlier figures after it, and a lead that says yes or no
        to a figure stated, or the currency the sources use."""
        best = chosen[0]
        history = self.records.series(best)[:4] if best.count else []
        if self.turn.premise and (unsaid := unaccounted(self.u, self.kb, chosen)):
            # 'Did the expected USD 30 million materialise?': the figure is on record, what is asked of it is not.
            line = self.compose.say("premise_unsaid", words=", ".join(unsaid))
            return self.compose.not_on_record(self.turn.entity(best.about[0]), line, best)
        newest = max((s.date for s in self.kb.sources.values() if s.date), default="")
        premise = self.turn.premise
        if premise and premise.field == "year" and newest and premise.value > int(newest[:4]):
            # 'Is there a training in 2025 again?': the sources end before it; they can say neither yes nor no.
            line = self.compose.say(
                "premise_after_sources", year=str(int(premise.value)), last=format_date(newest, self.lang)
            )
            return self.compose.not_on_record(self.turn.entity(best.about[0]), line, best)
        lead = self.premise_lead(best) if premise else self.currency_lead(best)
        answer = self.compose.facts_answer(
            chosen, confidence, entities, ask.want, history if len(history) > 1 else (), lead
        )
        # '포럼 주제 영어로': the record as the other language's text says it too.
        return self.compose.also_in_other_language(answer, best) if "languages" in ask.cues else answer

    def _only_planned(self, ranked: list[Scored]) -> Answer | None:
        """'Was the Cameroon system actually delivered?', 'Who signed the Jordan MOU?': when the closest record is
        only a plan, and the question asks whether it happened or who did what the plan names no one for, say so."""
        closest = max((s for s in ranked if s.fact), key=lambda s: s.score, default=None)
        if closest is None or closest.fact is None or closest.fact.status != "planned":
            return None
        # 'Who signed the Jordan MOU?': a plan names no signatory.
        no_one = "signatory" in self.u.topics and "person" not in self.turn.details.of_fact(closest.fact, self.lang)
        # 'Did the next-generation KONEPS launch?': whether a plan happened, unless it asks of the plan as such.
        happened = "actually" in self.u.cues or (self.turn.past and "plan" not in self.u.cues)
        if not happened and not no_one:
            return None
        subject = self.turn.entity(closest.fact.about[0])
        line = self.compose.say("only_planned", subject=subject.name(self.lang))
        return self.compose.not_on_record(subject, line, closest.fact)

    def _chosen(self, ask: Ask, ranked: list[Scored]) -> list[Fact]:
        best = ranked[0].fact
        assert best is not None
        chosen = [best]
        every = "all" in self.u.cues or self.turn.intent == "list"
        for other in ranked[1:] if every else ranked[1:3]:
            if not other.answers or other.fact is None or self.turn.premise:
                continue
            # Equally good facts of another kind are given too (the question did not tell them apart), and so
            # are facts of the same kind about the same thing when the question asks what, not a figure; an
            # older statement of the same figure (a previous Administrator) is not, unless all were asked for.
            tie = other.score >= ranked[0].score - 1e-9
            same_kind = other.fact.type in {f.type for f in chosen}
            content = ask.want is None and other.fact.about[0] == best.about[0]
            if (every and other.fact.type == best.type) or (tie and (not same_kind or content)):
                chosen.append(other.fact)
        return chosen

    def _figure_of_another_year(self, ask: Ask, chosen: list[Fact]) -> bool:
        """Whether the figure asked for a year the question states is only a plan's or an expectation's of another
        year (a contract signed in December 2013 is still 'the Cameroon contract in 2014')."""
        if ask.want != "amount" or len(ask.years) != 1 or not chosen or chosen[0].amount is None:
            return False
        if chosen[0].status != "planned":
            return False
        year = next(iter(ask.years))
        return not any(year in self.ranker.dated[f.id] for f in chosen)

    def _in_its_document(self, ask: Ask, chosen: list[Fact]) -> Fact | None:
        """'In the Kyrgyzstan MOU release, to how many countries had KONEPS been exported?': a thing named with its
        document stands for that document. When the records of the thing do not give the figure asked, the record
        of the same document that gives it, on what the question asks about."""
        if ask.want not in ("count", "amount"):
            return None
        if any(getattr(f, ask.want) is not None for f in chosen):
            return None  # (a figure of the record's own: 'the two countries' of an MOU is not one)
        named = [e for e in ask.specific if e not in self.ranker.generic]
        sources = {s for e in named for s in self.turn.entity(e).sources}
        found = [
            f
            for f in self.turn.kb.facts
            if sources & set(f.sources)
            and getattr(f, ask.want) is not None
            and ask.subjects & set(f.topics)
            and visible(f, self.turn.audience)
        ]
        return max(found, key=lambda f: len(ask.subjects & set(f.topics)), default=None)

    def _second_detail(self, ask: Ask, chosen: list[Fact]) -> list[Fact]:
        """A question asking two things ('how many members, and since when?'): the record of the second."""
        cues = self.u.cues
        if ask.want == "count" and {"participants", "countries"} <= ask.topics and names_people(self.u.terms):
            # 'ADB 연수 참가 인원/국가': how many people and how many countries, the record of whichever is missing.
            of_fact = self.turn.details.of_fact
            if any(HEADCOUNT in of_fact(f, self.lang) and COUNTRY_COUNT.search(f.text(self.lang)) for f in chosen):
                return []  # one record gives both (21 officials from 11 countries)
            have = {HEADCOUNT in of_fact(f, self.lang) for f in chosen}
            found = [
                s.fact
                for s in self.ranker.rank(ask)
                if s.fact
                and s.fact not in chosen
                and (HEADCOUNT in self.turn.details.of_fact(s.fact, self.lang)) not in have
                and s.fact.count
            ]
            return found[:1]
        second: Want | None = (
            "start" if "since" in cues else "end" if "until" in cues else ("duration" if "duration" in cues else None)
        )
        if (
            second is None
            or second == ask.want
            or any(second in self.turn.details.of_fact(f, self.lang) for f in chosen)
        ):
            return []
        again = replace(ask, want=second, intent=None, refined=True)
        found = [s.fact for s in self.ranker.rank(again) if s.answers and s.fact and s.fact not in chosen]
        return found[:1]

    def premise_lead(self, fact: Fact) -> str:
        """Yes, or no and the figure on record, for a figure the question stated."""
        premise = self.turn.premise
        assert premise is not None
        if premise.field == "amount" and fact.amount:
            agrees = abs(fact.amount.value - premise.value) <= 0.01 * fact.amount.value
            value = self.compose.value(fact.amount, "amount")
        elif premise.field == "count" and fact.count:
            agrees = fact.count.value == premise.value
            value = format_count(self.kb, fact.count, self.lang)
        elif premise.field == "year" and fact.date:
            agrees = int(fact.date[:4]) == premise.value
            value = format_date(fact.date, self.lang)
        else:
            return ""
        return self.compose.say("premise_yes") if agrees else self.compose.say("premise_no", value=value)

    def currency_lead(self, fact: Fact) -> str:
        """'In dollars?': the sources give the amount in won only; say so rather than convert it."""
        asked = currency_asked(self.u.text)
        if fact.amount is None or asked is None or asked == fact.amount.unit:
            return ""
        return self.compose.say("currency_only", currency=self.compose.say(f"currency_name_{fact.amount.unit}"))

    def confidence(self, ask: Ask, score: float) -> float:
        ideal = W_ENTITY + W_PRIMARY + (W_INTENT if ask.intent else 0) + (W_WANT if ask.want else 0)
        return score / (ideal + W_TOPIC * min(2, len(ask.topics)))

    def _no_event_of_kind(self, ask: Ask) -> str | None:
        """'When did KONEPS go to Mexico?': an export, an MOU or a contract with a country is an event on record
        or nothing; a plan that mentions the country is not one. The kind asked that has no such event."""
        kinds = [k for k in sorted(ask.subjects) if k in COUNTRY_KINDS]
        countries = [e for e in ask.specific if self.turn.entity(e).type == "country"]
        if not kinds or not countries or len(countries) != len(ask.specific):
            return None
        if ask.want is None and not self.turn.yes_no and "confirm" not in self.u.cues:
            return None  # 'why does entering Kyrgyzstan matter?' is answered by what the records say of it
        for country in countries:
            own = any(e.kinds & set(kinds) for e in self.records.own_events(country))
            # A programme's record of that kind in the country (the innovative-product pilot in Kyrgyzstan) is one;
            # a plan is one only for what a plan can say (who is to do it, not when it happened).
            held = any(
                f.type in kinds and country in f.about and (f.status != "planned" or ask.want not in WHEN_WANTS)
                for f in self.ranker.facts_about(country)
            )
            if not own and not held:
                return kinds[0]
        return None

    def _counts_it(self, ask: Ask, fact: Fact) -> bool:
        """Whether a record's count is the count asked: of what is counted, on every kind of event asked."""
        kinds = {t for t in ask.subjects if t in EVENT_KINDS}
        return (
            ask.want == "count"
            and fact.count is not None
            and kinds <= set(fact.topics)
            and self.ranker.counts_what_is_asked(ask, fact, strict=True)
        )

    def not_on_record(self, ask: Ask, ranked: list[Scored], kind: str | None = None) -> Answer:
        """Say exactly what the sources lack, about the named thing whose records come closest to the question."""
        subjects = [kind] if kind else sorted(ask.subjects, key=lambda t: (t not in EVENT_KINDS, t))
        near = [s.fact for s in ranked if s.fact and set(s.fact.about) & set(ask.specific)]
        closest = next((f for f in near if set(f.topics) & ask.subjects), None)
        events = [e for e in ask.specific if self.turn.is_event(e)]
        if closest is None and events and ask.want in SHOWN_AS_WRITTEN:
            # 'Where was the ADB training opening held?': an event's opening is the event; its record that gives
            # the place (or the date) asked answers, whatever the question's other words.
            closest = next((f for f in near if ask.want in self.turn.details.of_fact(f, self.lang)), None)
        if closest is None and not ask.subjects and ask.want:
            # With nothing else to go by, the record nearest the question that does not hold a figure of
            # the kind asked (which would read as an answer).
            closest = next((f for f in near if ask.want not in self.turn.details.of_fact(f, self.lang)), None)
        named = [e for e in ask.specific if closest and e in closest.about] or list(ask.specific)
        # Kyrgyzstan, not KONEPS, in 'how much did Kyrgyzstan pay for the system?'.
        named.sort(key=lambda e: e in self.ranker.generic)
        subject = self.turn.entity(named[0])
        topic = subjects[0] if subjects else None
        # 'Who came from Sri Lanka to the ADB training?': the line names Sri Lanka with the training.
        qualifiers = [
            self.turn.entity(e)
            for e in ask.vague
            if self.turn.entity(e).type == "country" and e not in self.u.anchors and e in subject.countries
        ]
        # No record of the thing at all (no MOU with Vietnam) is said as such, not as a missing date of it.
        counted = strip_particles(ask.asked_word)[-1] if ask.want == "count" and ask.asked_word else None
        if ask.want == "count" and not counted and ask.counted:
            # Name what was asked: the record shown may count something else (countries, for officials asked).
            counted = self.compose.kind_name(ask.counted)
        if (
            closest
            and not kind
            and ask.want in SHOWN_AS_WRITTEN
            and ask.want in self.turn.details.of_fact(closest, self.lang)
        ):
            # The record that would be shown gives what the line would call missing (a span for 'how long'): it
            # is the answer, and a reply never says "not on record" above what it then shows.
            return self.records_answer(ask, [closest], HELD, closest.about)
        if closest and not kind and self._counts_it(ask, closest):
            # The same for a count of what is asked, on every kind of event asked ('how many countries already
            # have KONEPS': the record of KONEPS's export countries).
            return self.records_answer(ask, [closest], HELD, closest.about)
        if topic == "full_name" and subject.full_name is None and subject.type != "person":
            return self.compose.overview(subject, HELD, None)  # its name on record is its full name
        # A figure asked of a kind of event the thing has none of ('키르기스스탄 나라장터 구축 예산'): the figure is
        # what is missing; 'no export record' above the MOU to export it would read as a contradiction.
        figure = ask.want in ("amount", "count") and closest is not None
        line = self.compose.missing(
            subject, topic, ask.want if (closest and not kind) or not topic or figure else None, qualifiers, counted
        )
        return self.compose.not_on_record(subject, line, closest)
