"""The answer engine: from a question and its conversation to one Answer.

Deciding is explicit and in this order: small talk; a name the fact base has no record of; follow-ups
that borrow what the previous question named or asked; whom to contact; sources; a figure the question
states, checked against the record (a false premise); comparisons of two named things; questions
across records (first and latest, a period, every item of a kind, how many); a role at the time of a
named event; then the records about the named things, ranked (ranking.py) and composed (compose.py).
When no record holds what is asked, the reply says exactly what is not on record; nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.answer import Answer, Audience, Block
from bot.compose import Composer, contact_for
from bot.details import Details
from bot.entities import is_particles
from bot.focus import focus
from bot.formatting import format_count, format_date
from bot.model import EVENT_PROGRAMME_KINDS, EVENT_TYPES, LANGS, Entity, Fact, KnowledgeBase, Lang, Want, visible
from bot.periods import stated_amounts, stated_counts, stated_years
from bot.question import Ask, subjects_of, want_of
from bot.ranking import Ranker, Scored
from bot.records import Records, comparable
from bot.session import Context
from bot.understand import SMALLTALK, Understander, Understanding
from bot.vocabulary import STOPWORDS

INTENT_MIN = 0.55  # below this the best intent is not trusted
OFF_TOPIC_SHARE = 0.5
EVENT_KINDS = frozenset((*EVENT_TYPES, *EVENT_PROGRAMME_KINDS))
SCOPE_TYPES = ("country", "region", "organisation")  # what a list can be narrowed by: with ADB, in Latin America
COMPARE_CUES = frozenset(("earlier", "later", "more", "less", "difference"))
COUNTED_NOUNS = frozenset(("countries", "participants", "members"))  # what a stated count counts
YES_NO_STARTS = ("is", "was", "were", "are", "did", "does", "do", "has", "have", "had")
PREMISE_WANTS: dict[str, Want] = {"amount": "amount", "count": "count", "year": "date"}
PREMISE_INTENTS = {"amount": "how_much", "count": "how_many", "year": "when"}


@dataclass(frozen=True, slots=True)
class Premise:
    """A figure the question states for confirmation: 'KONEPS was exported to 20 countries, right?'"""

    field: str  # amount | count | year
    value: float


class Engine:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.understander = Understander(kb)
        self.details = Details(kb)
        self.ranker = Ranker(kb, self.details)
        self.records = Records(kb)
        # Fallback, unknown and "not on record" replies all name the desk: found once, not per message.
        self.default_contacts = {lang: contact_for(kb, [], lang) for lang in LANGS}
        # Topics of role records (the Administrator): a question naming one and an event asks who held it then.
        self.role_topics = frozenset(t for f in kb.facts if f.type == "administrator" for t in f.topics)
        # Contact records, by the person they name: a contact answer states the record it rests on.
        self.contact_facts = {e: f for f in kb.facts if f.type == "contact" for e in f.about}

    # -- entry points --------------------------------------------------------------------------------

    def fixed(self, reply: str, lang: Lang, audience: Audience) -> Answer:
        """A reply that needs no question (/start, /help, /about, /contact)."""
        turn = Turn(self, self.understander.read("", lang), lang, audience, Context(), "")
        return {"start": lambda: turn.compose.smalltalk("start"), "help": lambda: turn.compose.smalltalk("help"),
                "about": turn.compose.about, "contact": turn.contact}[reply]()  # fmt: skip

    def answer(self, text: str, context: Context, lang: Lang | None, audience: Audience) -> tuple[Answer, Context]:
        found = focus(text)
        u = self.understander.read(found.question, lang or context.lang)
        if found.context and not u.entity_ids:
            # A long message's question may name nothing; the sentences before it say what it is about.
            named = self._named_in(found.context, u.lang)
            context = context.evolve(entities=named) if named else context
        lang = lang or (context.lang if context.lang_pinned else u.lang)
        turn = Turn(self, u, lang, audience, context, found.question)
        answer = turn.decide()
        if found.cut:
            note = Block("note", self.kb.message("too_long", lang))
            answer = replace(answer, body=(*answer.body, note))
        new_context = context.evolve(lang=lang)
        if answer.matched and answer.kind == "answer":
            new_context = new_context.evolve(
                entities=answer.entities or turn.entities, intent=turn.intent, topics=turn.topics,
                facts=answer.facts, sources=tuple(s.id for s in answer.sources),
            )  # fmt: skip
        return answer, new_context

    def _named_in(self, sentences: tuple[str, ...], lang: Lang) -> tuple[str, ...]:
        for sentence in reversed(sentences[-3:]):
            named = self.understander.read(sentence, lang).entity_ids
            if named:
                return named
        return ()


class Turn:
    """One question being answered: its working state, and the decision."""

    def __init__(
        self, engine: Engine, u: Understanding, lang: Lang, audience: Audience, context: Context, asked: str
    ) -> None:
        self.engine, self.kb, self.u, self.lang, self.audience, self.context = engine, engine.kb, u, lang, audience, context
        self.records, self.ranker = engine.records, engine.ranker
        self.entities: tuple[str, ...] = tuple(e for e in u.entity_ids if visible(self.kb.entities[e], audience))
        self.topics = u.topics
        self.intent = self._intent()
        self.premise = self._premise()
        if self.premise:
            self.intent = PREMISE_INTENTS[self.premise.field]
        self.compose = Composer(
            self.kb, engine.details, self.ranker.facts_about, engine.default_contacts[lang], lang=lang,
            audience=audience, intent=self.intent, asked=asked,
            diagnostics={"intents": [list(i) for i in u.intents[:3]], "topics": sorted(u.topics),
                         "cues": sorted(u.cues)},
        )  # fmt: skip

    def _intent(self) -> str | None:
        candidates = self.u.intents
        if self.u.mentions or self.topics:
            candidates = tuple((i, s) for i, s in candidates if i not in SMALLTALK)
        if candidates and candidates[0][1] >= INTENT_MIN:
            return candidates[0][0]
        return None

    def _premise(self) -> Premise | None:
        """A figure stated in a question that asks for confirmation ('..., right?', 'Was it in 2009?')."""
        text = self.u.text
        if "confirm" not in self.u.cues and not text.startswith(YES_NO_STARTS):
            return None
        amounts, counts, years = stated_amounts(text), stated_counts(text), stated_years(text)
        if amounts:
            return Premise("amount", amounts[0].value)
        if counts:
            return Premise("count", counts[0])
        if years and self.u.period and self.u.period.start == self.u.period.end:
            return Premise("year", years[0])
        return None

    # -- what is asked -------------------------------------------------------------------------------

    @property
    def ask(self) -> Ask:
        want = PREMISE_WANTS[self.premise.field] if self.premise else want_of(
            self.kb, self.intent, self.u.cues, self.topics
        )
        years = self.u.years if not self.premise or self.premise.field != "year" else frozenset()
        return Ask(
            entities=self.entities, specific=self.specific, intent=self.intent, want=want, topics=self.topics,
            subjects=subjects_of(self.kb, self.topics), cues=self.u.cues, period=self.u.period, years=years,
            audience=self.audience,
        )  # fmt: skip

    @property
    def specific(self) -> tuple[str, ...]:
        """The entities a record must concern; generic ones (KONEPS) and the anchors of an implied programme
        (ADB in 'ADB training') only add weight."""
        vague = self.ranker.generic | self.u.anchors
        return tuple(e for e in self.entities if e not in vague) or self.entities

    @property
    def kinds(self) -> frozenset[str]:
        """Kinds of event the question names (MOUs, trainings, exports)."""
        return frozenset(t for t in self.topics if t in EVENT_KINDS)

    def _entity(self, eid: str) -> Entity:
        return self.kb.entities[eid]

    def _is_event(self, eid: str) -> bool:
        entity = self._entity(eid)
        return entity.type == "programme" and entity.kind in EVENT_PROGRAMME_KINDS

    @property
    def scope(self) -> tuple[str, ...]:
        """Named things a question across records is narrowed by: countries, regions, organisations, systems."""
        generic = self.ranker.generic
        return tuple(
            e for e in self.entities
            if e not in generic and (self._entity(e).type in SCOPE_TYPES or (
                self._entity(e).type == "programme" and not self._is_event(e)))
        )  # fmt: skip

    # -- the decision --------------------------------------------------------------------------------

    def decide(self) -> Answer:
        u = self.u
        if not u.text:
            return self.compose.smalltalk("help")
        if self.intent in SMALLTALK and not u.mentions:
            return self.compose.smalltalk(self.intent)
        if u.unknown:
            names = ", ".join(dict.fromkeys(self.engine.understander.index.others[m.target].name(self.lang)
                                            for m in u.unknown))  # fmt: skip
            return self.compose.unknown(names)
        self._follow_up()
        if self.intent == "contact" or ("contact" in self.topics and self.intent in (None, "who")):
            return self.contact()
        if self.intent == "source" and self.topics <= {"source"}:
            sources = self.sources()
            if sources:
                return sources
        across = None if self.premise else self.across()
        if across:
            return across
        if not self.entities:
            return self.without_names()
        return self.role_at_time() or self.programme_listing() or self.about_entities()

    def _follow_up(self) -> None:
        """Borrow what an elliptical question leaves out from the previous one in this conversation."""
        ctx = self.context
        if self.entities and self.intent in (None, "followup") and not self.topics and ctx.intent:
            self.intent, self.topics = ctx.intent, ctx.topics
        elif not self.entities and ctx.entities and (self.intent or self.topics or self.u.cues - {"filler"}):
            self.entities = ctx.entities
        if self.intent == "followup":
            self.intent = None
        self.compose.intent = self.intent

    # -- replies that need no ranking ----------------------------------------------------------------

    def contact(self) -> Answer:
        source_ids = [s for e in self.entities for f in self.ranker.facts_about(e) for s in f.sources]
        source_ids += [s for e in self.entities for s in self._entity(e).sources]
        return self.compose.contact(self.entities, source_ids, self.engine.contact_facts)

    def sources(self) -> Answer | None:
        """'Where is this from?': the documents the last answer rested on, or those about a thing named."""
        if self.u.entity_ids:
            facts = [f for e in self.entities for f in self.ranker.facts_about(e) if visible(f, self.audience)]
            ids = [s for f in facts for s in f.sources] + [s for e in self.entities for s in self._entity(e).sources]
            return self.compose.sources_of(ids, self.entities, [f.id for f in facts])
        if self.context.sources:
            return self.compose.sources_of(self.context.sources, self.context.entities, self.context.facts)
        return None

    def without_names(self) -> Answer:
        if self.intent == "source":
            return self.compose.about()
        if self.off_topic():
            return self.compose.fallback()
        if self.intent and not self.topics:
            # "When?" alone is a question about something unsaid: ask back. "How's the weather?" is not ours.
            return self.compose.fallback() if self.u.unexplained else self.compose.clarify(self.kb.examples[self.lang][:3])
        return self.topical() or self.compose.fallback()

    def off_topic(self) -> bool:
        """Most of the question is words the fact base has no way of asking about (job postings, bidding)."""
        content = [w for w in self.u.residual if w not in STOPWORDS and not is_particles(w)]
        unexplained = len(self.u.unexplained)
        return unexplained >= 2 and unexplained > OFF_TOPIC_SHARE * len(content)

    def topical(self) -> Answer | None:
        """No name given: a fact that matches the question's topics and intent, if one clearly does."""
        if not self.topics:
            return None
        ask = self.ask
        scored = self.ranker.topical(ask)
        if not scored:
            return None
        best_score, best = scored[0]
        # Without a name, only a fact that matches every topic asked and the intent is sure enough.
        if len(self.topics.intersection(best.topics)) < len(self.topics) or (
            self.intent and self.intent not in best.asks
        ):
            return None
        # Another fact just as good about something else: the question did not say which one is meant.
        runner_up = [f for s, f in scored[1:] if s >= best_score and (f.type, f.about[0]) != (best.type, best.about[0])]
        if runner_up:
            return self.compose.clarify(tuple(self.compose.question_for(f) for f in [best, *runner_up[:2]]))
        return self.compose.facts_answer([best], 0.8, best.about[:1], ask.want)

    # -- questions across records --------------------------------------------------------------------

    def across(self) -> Answer | None:
        cues, kinds, period = self.u.cues, self.kinds, self.u.period
        things = self._comparable()
        if len(things) >= 2 and cues & COMPARE_CUES:
            return self.compare(things[0], things[1])
        events_named = [e for e in self.specific if self._is_event(e)]
        listing = bool(cues & {"all"}) or self.intent == "list" or "events" in cues
        if events_named and not listing:
            return None  # a question about one event: its records answer it
        scope = self.scope
        if cues & {"first", "latest"} and (kinds or scope or "events" in cues):
            found = self.first_or_latest("first" if "first" in cues else "latest", kinds, scope)
            if found:
                return found
        if period and self.intent != "how_many" and (listing or (kinds and self.intent in (None, "what_is", "overview"))):
            return self.in_period(kinds, scope)
        if listing and (kinds or scope) and not events_named:
            return self.items(kinds, scope)
        # "How many MOUs?" counts events; "how many countries visit?" asks a figure a record states.
        if self.intent == "how_many" and kinds and not events_named and not self.topics & COUNTED_NOUNS:
            return self.count_of(kinds, scope)
        return None

    def _comparable(self) -> list[str]:
        """Named things that can be compared: each is an event of its own or has a figure of its own (not a
        region or a group, which only narrow a question)."""
        out = []
        for eid in self.specific:
            entity = self._entity(eid)
            if entity.type in ("person", "region") or entity.members or eid in self.ranker.generic:
                continue
            if self.records.own_events(eid) or self.records.figure(eid, "count") or self.records.figure(eid, "amount"):
                out.append(eid)
        return out

    def _kind_of(self, kinds: frozenset[str]) -> str | None:
        return sorted(kinds)[0] if kinds else None

    def first_or_latest(self, which: str, kinds: frozenset[str], scope: tuple[str, ...]) -> Answer | None:
        events = self.records.select(kinds, scope, self.u.period, self.audience)
        if not events:
            return None
        if which == "first":
            return self.compose.first_or_latest("first", self._kind_of(kinds), events[0], [])
        happened = [e for e in events if not e.planned] or events
        latest = happened[-1]
        upcoming = [e for e in events if e.planned and e.start > latest.start]
        return self.compose.first_or_latest("latest", self._kind_of(kinds), latest, upcoming)

    def in_period(self, kinds: frozenset[str], scope: tuple[str, ...]) -> Answer:
        period = self.u.period
        assert period is not None
        events = self.records.select(kinds, scope, period, self.audience)
        kind = self._kind_of(kinds)
        if not events:
            return self.compose.nothing_in_period(period, kind)
        name = self.compose.period_name(period)
        lead = self.compose.say("period_lead", period=name, count=str(len(events)))
        timeline = not kinds or "events" in self.u.cues
        return self.compose.events_list(lead, name, events, timeline=timeline, scope=scope)

    def items(self, kinds: frozenset[str], scope: tuple[str, ...]) -> Answer | None:
        events = self.records.select(kinds, scope, None, self.audience)
        if not events:
            return None
        kind = self._kind_of(kinds)
        stated = self.records.stated_count(kind, self.audience) if kind and not scope else None
        lead = self.compose.say("named_in_sources") if stated else self.compose.say(
            "items_lead", kind=self.compose.kind_name(kind), count=str(len(events))
        )
        return self.compose.events_list(
            lead, self.compose.kind_name(kind), events, timeline=not kinds, stated=stated, scope=scope
        )

    def count_of(self, kinds: frozenset[str], scope: tuple[str, ...]) -> Answer | None:
        events = self.records.select(kinds, scope, self.u.period, self.audience)
        kind = self._kind_of(kinds)
        lead = self.compose.say("count_items", kind=self.compose.kind_name(kind), count=str(len(events)))
        if not events:
            return None
        return self.compose.events_list(lead, self.compose.kind_name(kind), events, timeline=False, scope=scope)

    def compare(self, a: str, b: str) -> Answer:
        cues, compose = self.u.cues, self.compose
        field = self._compare_field(a, b)
        if field == "date":
            ea, eb = (self.records.of_entity(x, self.kinds, self.audience) for x in (a, b))
            missing = a if ea is None else b if eb is None else None
            if missing or ea is None or eb is None:
                return self._cannot_compare(missing or a, "date")
            (first, fe), (second, se) = sorted(((a, ea), (b, eb)), key=lambda p: p[1].start)
            names = {a: compose.title(ea), b: compose.title(eb)}
            if "difference" in cues:
                years = abs(int(se.start[:4]) - int(fe.start[:4]))
                lead = compose.say("compare_years", years=str(years), first=names[first], second=names[second],
                                   first_date=compose.when(fe), second_date=compose.when(se))  # fmt: skip
            elif fe.start == se.start:
                lead = compose.say("compare_same_date", date=compose.when(fe))
            else:
                lead = compose.say("compare_earlier", first=names[first], second=names[second],
                                   first_date=compose.when(fe), second_date=compose.when(se))  # fmt: skip
            return compose.comparison(lead, [fe, se], [first, second])
        people = True if "participants" in self.topics else False if "countries" in self.topics else None
        fa, fb = (self.records.figure(x, field, people) for x in (a, b))
        qa, qb = (getattr(f, field) if f else None for f in (fa, fb))
        if fa is None or qa is None or fb is None or qb is None or not comparable(qa, qb):
            return self._cannot_compare(a if fa is None else b, "amount" if field == "amount" else "count")
        (more, fm, qm), (less, fl, ql) = sorted(((a, fa, qa), (b, fb, qb)), key=lambda t: -t[2].value)
        values = {"more": compose.name(more), "less": compose.name(less),
                  "more_value": compose.value(qm, field), "less_value": compose.value(ql, field)}  # fmt: skip
        if "difference" in cues:
            gap = type(qm)(qm.value - ql.value, qm.unit)
            lead = compose.say("compare_difference", difference=compose.value(gap, field), **values)
        elif qm.value == ql.value:
            lead = compose.say("compare_equal", value=values["more_value"])
        else:
            lead = compose.say("compare_larger" if field == "amount" else "compare_more", **values)
        return compose.comparison(lead, [fm, fl], [more, less])

    def _compare_field(self, a: str, b: str) -> str:
        """Compare dates, counts or amounts: what the question's words say, else what both records have."""
        cues, topics = self.u.cues, self.topics
        if cues & {"earlier", "later", "first", "years"} and not cues & {"more", "less"}:
            return "date"
        if "budget" in topics or self.intent == "how_much":
            return "amount"
        if topics & {"participants", "countries", "members"} or self.intent == "how_many":
            return "count"
        if cues & {"more", "less"}:
            both = [f for f in ("count", "amount") if self.records.figure(a, f) and self.records.figure(b, f)]
            return both[0] if both else "count"
        if "difference" in cues and self.intent != "when" and self.records.figure(a, "amount") and self.records.figure(
            b, "amount"
        ):
            return "amount"
        return "date"

    def _cannot_compare(self, eid: str, want: Want) -> Answer:
        entity = self._entity(eid)
        line = self.compose.say("compare_missing", name=entity.name(self.lang), want=self.compose.want_name(want))
        return self.compose.not_on_record(entity, line, None)

    # -- a role at the time of an event --------------------------------------------------------------

    def role_at_time(self) -> Answer | None:
        """'Who was Administrator when the Iraqi delegation visited?': the role record whose dates cover the event."""
        roles = self.topics & self.engine.role_topics
        if not roles:
            return None
        # Only a thing that is itself an event (a visit, an MOU with a country) dates the question.
        events = [
            ev for e in self.specific if e not in self.ranker.generic and self.records.own_events(e)
            and (ev := self.records.of_entity(e, self.kinds, self.audience)) is not None
        ]  # fmt: skip
        if not events:
            return None
        event = events[0]
        holders = [f for f in self.kb.facts if f.type == "administrator" and visible(f, self.audience)]
        if any(event.subject.id in f.about for f in holders):
            return None
        day = event.start
        for fact in holders:
            first, last = fact.date or fact.as_of or "", fact.as_of or fact.date or ""
            if first[: len(day)] <= day <= last[: len(day)] + "~":
                return self.compose.facts_answer([fact], 0.85, (event.subject.id, *fact.about[:1]))
        return self.compose.role_not_on_record(sorted(roles)[0], event)

    # -- lists a programme or an organisation holds ---------------------------------------------------

    def programme_listing(self) -> Answer | None:
        """The countries of a programme ('IDB course participating countries'), with the count stated."""
        if self.intent != "list" or self.topics - {"countries", "participants"}:
            return None
        for eid in self.specific:
            entity = self._entity(eid)
            countries = [c for c in entity.countries if self._entity(c).type == "country"]
            if entity.type == "programme" and countries:
                names = [self.compose.name(c) for c in countries]
                # The stated count leads: a source may name fewer countries than it counts.
                counts = [f for f in self.ranker.facts_about(eid) if f.count and "countries" in f.topics
                          and visible(f, self.audience)]  # fmt: skip
                lead = counts[0].text(self.lang) if counts else ""
                sources = [*entity.sources, *(counts[0].sources if counts else ())]
                return self.compose.listing(entity.name(self.lang), names, sources, entity, lead)
        return None

    # -- the records about the named things ----------------------------------------------------------

    def about_entities(self) -> Answer:
        ask = self.ask
        ranked = self.ranker.rank(ask)
        best = ranked[0]
        if not best.answers or self.off_topic():
            return self.not_on_record(ask, ranked)
        if best.fact is None:
            return self.compose.overview(best.entity, self.confidence(ask, best.score), ask.want)
        chosen = [best.fact]
        for other in ranked[1:3]:
            # Equally good facts of another kind are given too (the question did not tell them apart);
            # an older statement of the same kind (a previous Administrator) is not.
            tie = other.answers and other.score >= best.score - 1e-9
            if other.fact and tie and other.fact.type not in {f.type for f in chosen} and not self.premise:
                chosen.append(other.fact)
        history = self.records.series(best.fact)[:4] if best.fact.count else []
        lead = self.premise_lead(best.fact) if self.premise else ""
        entities = [e for e in self.entities if any(e in f.about for f in chosen)] or list(best.fact.about[:1])
        return self.compose.facts_answer(chosen, self.confidence(ask, best.score), entities, ask.want,
                                         history if len(history) > 1 else (), lead)  # fmt: skip

    def premise_lead(self, fact: Fact) -> str:
        """Yes, or no and the figure on record, for a figure the question stated."""
        premise = self.premise
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

    def confidence(self, ask: Ask, score: float) -> float:
        from bot.ranking import W_ENTITY, W_INTENT, W_PRIMARY, W_TOPIC, W_WANT

        ideal = W_ENTITY + W_PRIMARY + (W_INTENT if ask.intent else 0) + (W_WANT if ask.want else 0)
        return score / (ideal + W_TOPIC * min(2, len(ask.topics)))

    def not_on_record(self, ask: Ask, ranked: list[Scored]) -> Answer:
        """Say exactly what the sources lack, about the most specific thing named."""
        subject = self._entity(ask.specific[0])
        subjects = sorted(ask.subjects, key=lambda t: (t not in EVENT_KINDS, t))
        closest = next(
            (s.fact for s in ranked if s.fact and subject.id in s.fact.about and set(s.fact.topics) & ask.subjects),
            None,
        )
        topic = subjects[0] if subjects else None
        # No record of the thing at all (no MOU with Vietnam) is said as such, not as a missing date of it.
        line = self.compose.missing(subject, topic, ask.want if closest or not topic else None)
        return self.compose.not_on_record(subject, line, closest)
