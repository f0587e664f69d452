"""The answer engine: from a question and its conversation to one Answer.

Deciding is explicit and in this order: small talk; a name the fact base has no record of; follow-ups
that borrow what the previous question named or asked; whom to contact; sources; questions across
records (across.py: comparisons, first and latest, a period, every item of a kind, how many); a role at
the time of a named event; the countries of a programme; then the records about the named things,
ranked (ranking.py) and composed (compose.py), with a figure the question states checked against the
record (a false premise). When no record holds what is asked, the reply says exactly what is not on
record, and sets apart what is; nothing is invented.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import chain, islice, takewhile

from bot.answering.across import Across
from bot.answering.citations import contact_for
from bot.answering.compose import Composer
from bot.answering.context import Context
from bot.answering.details import Details
from bot.answering.learned import LearnedIndex
from bot.answering.ranking import W_ENTITY, W_INTENT, W_PRIMARY, W_TOPIC, W_WANT, Ranker, Scored
from bot.answering.records import COUNTRY_KINDS, EVENT_KINDS, Records
from bot.factbase.model import (
    EVENT_PROGRAMME_KINDS,
    LANGS,
    OUT_OF_SCOPE,
    Audience,
    Entity,
    Fact,
    KnowledgeBase,
    Lang,
    Quantity,
    Want,
    visible,
)
from bot.reading.entities import is_particles, strip_particles
from bot.reading.focus import SHORT, focus
from bot.reading.periods import currency_asked, stated_amounts, stated_counts, stated_years
from bot.reading.question import INTENT_WANTS, Ask, subjects_of, want_of
from bot.reading.understand import SMALLTALK, Understander, Understanding
from bot.reading.vocabulary import STOPWORDS, english_bases
from bot.showing.answer import Answer, Block
from bot.showing.formatting import format_count, format_date
from bot.text.normalize import normalize

INTENT_MIN = 0.55  # below this the best intent is not trusted
OFF_TOPIC_SHARE = 0.5
YES_NO_STARTS = ("is ", "was ", "were ", "are ", "did ", "does ", "do ", "has ", "have ", "had ")
ALTERNATIVES = frozenset({"or", "than", "compare"})  # cues that set named things side by side
PREMISE_WANTS: dict[str, Want] = {"amount": "amount", "count": "count", "year": "date"}
PREMISE_INTENTS = {"amount": "how_much", "count": "how_many", "year": "when"}
LEXICAL_MIN = 2  # question words a record must use to answer a question that names nothing
NEGATION = re.compile(r"\bnot\b|n't\b|\bexcept\b|\bbesides\b|아니라|아니고|말고|빼고|제외")


@dataclass(frozen=True, slots=True)
class Premise:
    """A figure the question states for confirmation: 'KONEPS was exported to 20 countries, right?'"""

    field: str  # amount | count | year
    value: float


LEARNED_CONFIDENCE = 0.9  # a curator said so, for a question that was this one or nearly


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
        self.role_holders = tuple(f for f in kb.facts if f.type == "administrator")
        self.role_topics = frozenset(t for f in self.role_holders for t in f.topics)
        self.out_of_scope = frozenset(t for t, want in kb.topic_wants.items() if want == OUT_OF_SCOPE)
        # Contact records, by the person they name: a contact answer states the record it rests on.
        self.contact_facts = {e: f for f in kb.facts if f.type == "contact" for e in f.about}
        # Ways of asking that curators taught: such a question gets its record, whatever else it seems to say.
        self.learned = LearnedIndex(kb)

    # -- entry points --------------------------------------------------------------------------------

    def fixed(self, reply: str, lang: Lang, audience: Audience) -> Answer:
        """A reply that needs no question (/start, /help, /about, /contact)."""
        turn = Turn(self, self.understander.read("", lang), lang, audience, Context(), "")
        return {
            "start": lambda: turn.compose.smalltalk("start"),
            "help": lambda: turn.compose.smalltalk("help"),
            "about": turn.compose.about,
            "contact": turn.contact,
        }[reply]()

    def answer(self, text: str, context: Context, lang: Lang | None, audience: Audience) -> tuple[Answer, Context]:
        found = focus(text)
        u = self.understander.read(found.question, lang or context.lang)
        if found.context and not u.entity_ids and len(text) <= SHORT:
            u = self.understander.read(text, lang or context.lang)  # "키르기스스탄 MOU. 언제야?" is one question
        elif found.context and not u.entity_ids:
            # A long message's question may name nothing; the sentences before it say what it is about.
            named = self._named_in(found.context, u.lang)
            context = context.evolve(entities=named) if named else context
        lang = lang or (context.lang if context.lang_pinned else None) or u.lang
        turn = Turn(self, u, lang, audience, context, found.question)
        taught = self.learned.match(found.question)
        answer = turn.taught(taught) if taught and visible(taught, audience) else turn.decide()
        if found.cut:
            answer = replace(answer, body=(*answer.body, Block("note", self.kb.message("too_long", lang))))
        new_context = context.evolve(lang=lang)
        if answer.matched and answer.kind == "answer":
            new_context = new_context.evolve(
                entities=answer.entities or turn.entities,
                intent=turn.intent,
                topics=turn.topics,
                facts=answer.facts,
                sources=tuple(s.id for s in answer.sources),
            )
        return answer, new_context

    def _named_in(self, sentences: tuple[str, ...], lang: Lang) -> tuple[str, ...]:
        """What the sentences before a long message's question name, nearest first; a sentence that sets
        things aside ('I am not asking about APPeN') is not what the question is about."""
        for sentence in reversed(sentences[-4:]):
            if NEGATION.search(sentence.casefold()):
                continue
            read = self.understander.read(sentence, lang)
            # 'ADB organised a training in Korea' names the training; ADB and Korea only said which one.
            named = tuple(e for e in read.entity_ids if e not in read.anchors)
            if named:
                return named
        return ()


class Turn:
    """One question being answered: its working state, and the decision."""

    def __init__(
        self, engine: Engine, u: Understanding, lang: Lang, audience: Audience, context: Context, asked: str
    ) -> None:
        self.engine, self.kb, self.u, self.lang, self.audience, self.context = (
            engine,
            engine.kb,
            u,
            lang,
            audience,
            context,
        )
        self.records, self.ranker = engine.records, engine.ranker
        self.entities: tuple[str, ...] = tuple(e for e in u.entity_ids if visible(self.kb.entities[e], audience))
        self.topics = u.topics
        self.intent = self._intent()
        self.yes_no = u.text.startswith(YES_NO_STARTS)
        self.premise = self._premise() or self._stated_year()
        if self.premise:
            self.intent = PREMISE_INTENTS[self.premise.field]
        self.compose = Composer(
            self.kb,
            engine.details,
            self.ranker.facts_about,
            engine.default_contacts[lang],
            lang=lang,
            audience=audience,
            intent=self.intent,
            asked=asked,
            diagnostics={
                "intents": [list(i) for i in u.intents[:3]],
                "topics": sorted(u.topics),
                "cues": sorted(u.cues),
            },
        )

    def _intent(self) -> str | None:
        candidates = self.u.intents
        if self.u.mentions:
            candidates = tuple((i, s) for i, s in candidates if i not in SMALLTALK)
        if not candidates or candidates[0][1] < INTENT_MIN:
            return "how_many" if self.u.counted else None  # 'MOU 몇 건이야?': what is counted says it is a count
        intent = candidates[0][0]
        bare = not (self.u.topics or self.u.unexplained or self.u.years or self.u.cues - {"filler"})
        if (
            intent == "who"
            and bare
            and self.entities
            and all(self.entity(e).type == "organisation" for e in self.entities)
        ):
            return "what_is"  # 'who is KOICA?' asks what KOICA is, not a person
        return intent

    def _premise(self) -> Premise | None:
        """A figure stated in a question that asks for confirmation ('..., right?', 'Was it in 2009?')."""
        text = self.u.text
        if "confirm" not in self.u.cues and not self.yes_no:
            return None
        amounts, counts, years = stated_amounts(text), stated_counts(text), stated_years(text)
        if amounts:
            return Premise("amount", amounts[0].value)
        if counts:
            return Premise("count", counts[0])
        if years and self.u.period and self.u.period.start == self.u.period.end:
            return Premise("year", years[0])
        return None

    def _stated_year(self) -> Premise | None:
        """'Vietnam got KONEPS 2010 ya': one year stated about something named, with no question word."""
        years = stated_years(" ".join(self.u.residual))  # not the year in a name ('2014 나라장터 엑스포')
        single = self.u.period is not None and self.u.period.start == self.u.period.end
        if (
            len(set(years)) == 1
            and single
            and self.u.entity_ids
            and self.intent is None
            and not self.u.cues & {"all", "events"}
        ):
            return Premise("year", years[0])
        return None

    # -- what is asked -------------------------------------------------------------------------------

    @property
    def ask(self) -> Ask:
        want = (
            PREMISE_WANTS[self.premise.field]
            if self.premise
            else want_of(self.kb, self.intent, self.u.cues, self.topics)
        )
        years = self.u.years if not self.premise or self.premise.field != "year" else frozenset()
        return Ask(
            entities=self.entities,
            specific=self.specific,
            intent=self.intent,
            want=want,
            topics=self.topics,
            subjects=subjects_of(self.kb, self.topics),
            cues=self.u.cues,
            period=self.u.period,
            years=years,
            audience=self.audience,
            lang=self.lang,
            words=tuple(w for w in self.u.unexplained if len(w) >= 2 and not w.isdigit()),
            terms=self.u.terms,
            subject_terms=self._subject_terms(),
            refined=want is not None and want != INTENT_WANTS.get(self.intent or ""),
            counted=self.u.counted,
            asked_word=self.u.asked_word,
            implied=self.u.implied,
            anchors=self.u.anchors,
            named_text=" ".join(m.surface for m in self.u.mentions),
        )

    def _subject_terms(self) -> tuple[str, ...]:
        """The question's words that signal a topic it is about ('benchmark'), not a detail asked ('budget')."""
        signals = self.engine.understander.topic_words
        subjects = subjects_of(self.kb, self.topics)
        return tuple(
            w
            for w in self.u.terms
            if any(f in signals.get(t, ()) for t in subjects for f in (*strip_particles(w), *english_bases(w)))
        )

    @property
    def specific(self) -> tuple[str, ...]:
        """The entities a record must concern. Generic ones (KONEPS), the anchors of an implied programme (ADB in
        'ADB training') and the partners and countries of a programme named (Sri Lanka in 'the ADB training
        Sri Lankan officials attended') only qualify it: 'a programme named with its place, partner or region
        is what the question is about'."""
        vague = set(self.ranker.generic | self.u.anchors)
        if self.u.cues & ALTERNATIVES:
            # 'the Kyrgyzstan MOU or the ADB training?': things set side by side do not qualify one another.
            return tuple(e for e in self.entities if e not in vague) or self.entities
        for eid in self.entities:
            if self.is_event(eid):
                vague |= {*self.entity(eid).partners, *self.entity(eid).countries}
            parent = self.entity(eid).parent
            if parent in self.entities:
                vague.add(parent)  # 'the Kurdistan Ministry of Planning': Kurdistan says which ministry
        return tuple(e for e in self.entities if e not in vague) or self.entities

    @property
    def kinds(self) -> frozenset[str]:
        """Kinds of event the question names (MOUs, trainings, exports)."""
        return frozenset(t for t in self.topics if t in EVENT_KINDS)

    def _countries_of(self, eid: str) -> list[str]:
        entity = self.entity(eid)
        if entity.type == "country":
            return [eid]
        found = [c for c in entity.countries if self.entity(c).type == "country"]
        return found or ([entity.country] if entity.country and entity.country not in self.ranker.generic else [])

    def entity(self, eid: str) -> Entity:
        return self.kb.entities[eid]

    def is_event(self, eid: str) -> bool:
        entity = self.entity(eid)
        return entity.type == "programme" and entity.kind in EVENT_PROGRAMME_KINDS

    # -- the decision --------------------------------------------------------------------------------

    def taught(self, fact: Fact) -> Answer:
        """The record a curator taught this way of asking to get."""
        return self.compose.facts_answer([fact], LEARNED_CONFIDENCE, fact.about)

    def decide(self) -> Answer:
        u = self.u
        if not u.text:
            return self.compose.smalltalk("help")
        if self.intent in SMALLTALK and not u.mentions:
            return self.compose.smalltalk(self.intent)
        if u.unknown:
            names = ", ".join(
                dict.fromkeys(self.engine.understander.index.others[m.target].name(self.lang) for m in u.unknown)
            )
            return self.compose.unknown(names)
        if self.topics & self.engine.out_of_scope and not any(e not in self.ranker.generic for e in self.u.entity_ids):
            return self.compose.fallback()  # bidding on a tender: not the cooperation desk's
        self._follow_up()
        if self.intent == "contact" or ("contact" in self.topics and self.intent in (None, "who", "source")):
            return self.contact()
        about = subjects_of(self.kb, self.topics) - {"source"}  # '출처 ... 키르기스스탄 MOU': the MOU's
        if self.intent == "source" and (not about or u.entity_ids) and not u.cues & {"latest", "first"}:
            sources = self.sources(about)
            if sources:
                return sources
        across = None if self.premise else Across(self).answer()
        if across:
            return across
        if not self.entities:
            return self.without_names()
        return self.role_at_time() or self.programme_listing() or self.about_entities()

    def _follow_up(self) -> None:
        """Borrow what an elliptical question leaves out from the previous one in this conversation."""
        ctx = self.context
        if "there" in self.u.cues and ctx.entities and all(e in self.ranker.generic for e in self.entities):
            # 'How much was the system Korea built there?' after the Iraqi delegation: there is its country.
            places = [c for e in ctx.entities for c in self._countries_of(e)]
            self.entities = tuple(dict.fromkeys(places or ctx.entities)) + self.entities
            return self._done_following()
        only_generic = all(e in self.ranker.generic for e in self.entities)
        if (
            self.entities
            and self.intent in (None, "followup")
            and not self.topics
            and ctx.intent
            and not self.u.has_question_word  # "which banks besides the World Bank?" asks its own question
        ):
            self.intent, self.topics = ctx.intent, ctx.topics
        elif not self.entities and ctx.entities and (self.intent or self.topics or self.u.cues - {"filler"}):
            self.entities = ctx.entities
        elif only_generic and ctx.entities and self.u.cues & {"there", "that"}:
            # 'How much was the system Korea built there?' names only Korea: 'there' is still the last subject.
            # ('Which countries use KONEPS?' names only KONEPS too, and is a question of its own.)
            self.entities = tuple(dict.fromkeys((*ctx.entities, *self.entities)))
        self._done_following()

    def _done_following(self) -> None:
        if self.intent == "followup":
            self.intent = None
        self.compose.intent = self.intent

    # -- replies that need no ranking ----------------------------------------------------------------

    def contact(self) -> Answer:
        source_ids = [s for e in self.entities for f in self.ranker.facts_about(e) for s in f.sources]
        source_ids += [s for e in self.entities for s in self.entity(e).sources]
        return self.compose.contact(self.entities, source_ids, self.engine.contact_facts)

    def sources(self, about: frozenset[str] = frozenset()) -> Answer | None:
        """'Where is this from?': the documents the last answer rested on, or those about a thing named (and
        about the topics named with it: the Kyrgyzstan MOU's, not every document on Kyrgyzstan)."""
        if self.u.entity_ids:
            facts = [f for e in self.entities for f in self.ranker.facts_about(e) if visible(f, self.audience)]
            on_topic = [f for f in facts if about & set(f.topics)]
            if on_topic:  # the records on it, not the overviews of what was named
                facts = [f for f in on_topic if f.about[0] in self.entities] or on_topic
            overviews = [] if on_topic else [s for e in self.entities for s in self.entity(e).sources]
            ids = [s for f in facts for s in f.sources] + overviews
            return self.compose.sources_of(ids, self.entities, [f.id for f in facts])
        if self.context.sources:
            return self.compose.sources_of(self.context.sources, self.context.entities, self.context.facts)
        return None

    def without_names(self) -> Answer:
        if self.intent == "source":
            return self.compose.about()
        found = self.by_words()
        if found:
            return found
        if self.off_topic():
            return self.compose.fallback()
        if self.intent and not self.topics:
            # "When?" alone is a question about something unsaid: ask back. "How's the weather?" is not ours.
            return (
                self.compose.fallback() if self.u.unexplained else self.compose.clarify(self.kb.examples[self.lang][:3])
            )
        return self.topical() or self.compose.fallback()

    def by_words(self) -> Answer | None:
        """No name given, but the question's own words are a record's ('로봇기술 기반 재활 제품은 어디서 실증해?'):
        the one record that uses most of them, at least LEXICAL_MIN; none when two use as many."""
        ask = self.ask
        if len(ask.words) < LEXICAL_MIN:
            return None
        hits = self.ranker.word_hits(ask)
        visible_hits = [(at, n) for at, n in hits.items() if visible(self.kb.facts[at], self.audience)]
        most = max((n for _, n in visible_hits), default=0)
        best = sorted(at for at, n in visible_hits if n == most)
        if most < LEXICAL_MIN or len(best) > 1:
            return None
        fact = self.kb.facts[best[0]]
        return self.compose.facts_answer([fact], 0.6, fact.about[:1], ask.want)

    def off_topic(self) -> bool:
        """Most of the question is words the fact base has no way of asking about (job postings, bidding), and it
        names nothing specific: 'Tunisia KONEPS year, just guess' is still a question about Tunisia."""
        if any(e not in self.ranker.generic for e in self.u.entity_ids):
            return False
        content = [w for w in self.u.residual if w not in STOPWORDS and not is_particles(w)]
        unexplained = len(self.u.unexplained)
        return unexplained >= 2 and unexplained >= OFF_TOPIC_SHARE * len(content)

    def topical(self) -> Answer | None:
        """No name given: a fact that matches the question's topics and intent, if one clearly does."""
        if not self.topics:
            return None
        ask = self.ask
        scored = self.ranker.topical(ask)
        first = next(scored, None)
        if first is None:
            return None
        best_score, best = first
        # Without a name, only a fact that matches every topic asked, and the detail asked, is sure enough.
        if len(self.topics.intersection(best.topics)) < len(self.topics) or (
            ask.want and not self.ranker.answers_fact(ask, best)
        ):
            return None
        # Another fact just as good about something else: the question did not say which one is meant.
        if "all" in self.u.cues:
            every = [f for s, f in chain([first], scored) if f.type == best.type and set(f.topics) >= self.topics]
            return self.compose.facts_answer(every, 0.8, [f.about[0] for f in every], ask.want)
        as_good = takewhile(lambda sf: sf[0] >= best_score, scored)
        runner_up = list(islice((f for _, f in as_good if (f.type, f.about[0]) != (best.type, best.about[0])), 2))
        if runner_up:
            return self.compose.clarify(tuple(self.compose.question_for(f) for f in [best, *runner_up]))
        return self.records_answer(ask, [best], 0.8, best.about[:1])

    # -- a role at the time of an event --------------------------------------------------------------

    def role_at_time(self) -> Answer | None:
        """'Who was Administrator when the Iraqi delegation visited?': the role record whose dates cover the event."""
        roles = self.topics & self.engine.role_topics
        if not roles:
            return None
        # Only a thing that is itself an event (a visit, an MOU with a country) dates the question.
        events = [
            ev
            for e in self.specific
            if e not in self.ranker.generic
            and self.records.own_events(e)
            and (ev := self.records.of_entity(e, self.kinds, self.audience)) is not None
        ]
        if not events:
            return None
        event = events[0]
        holders = [f for f in self.engine.role_holders if visible(f, self.audience)]
        if any(event.subject.id in f.about for f in holders):
            return None
        day = event.start
        for fact in holders:
            first, last = fact.date or fact.as_of or "", fact.as_of or fact.date or ""
            if first[: len(day)] <= day <= last[: len(day)] + "~":
                return self.compose.facts_answer([fact], 0.85, (event.subject.id, *fact.about[:1]))
        return self.compose.role_not_on_record(sorted(roles)[0], event)

    # -- lists a programme holds ---------------------------------------------------------------------

    def programme_listing(self) -> Answer | None:
        """The countries of a programme ('IDB course participating countries'), with the count stated; when the
        sources count them but name none ('the 40 APPeN members'), say so."""
        # '참여국은?': naming only who took part, with no other question, asks for them.
        who_only = self.intent is None and bool(self.topics) and self.topics <= {"countries", "members"}
        listing = self.intent == "list" or "all" in self.u.cues or who_only
        member = self._member()
        if not (listing or member) or subjects_of(self.kb, self.topics) - {"countries", "participants", "members"}:
            return None
        for eid in self.specific:
            entity = self.entity(eid)
            if entity.type != "programme":
                continue
            asked = self.topics or {"countries"}
            counts = [
                f
                for f in self.ranker.facts_about(eid)
                if f.count and f.about[0] == eid and asked & set(f.topics) and visible(f, self.audience)
            ]
            countries = [c for c in entity.countries if self.entity(c).type == "country"]
            if countries and (self.intent == "list" or member or who_only):
                names = [self.compose.name(c) for c in countries]
                # The stated count leads: a source may name fewer countries than it counts.
                lead = counts[0].text(self.lang) if counts else ""
                if counts and counts[0].count and counts[0].count.value > len(names):
                    lead += " " + self.compose.say("names_some", named=str(len(names)))  # 14 counted, 10 named
                sources = [*entity.sources, *(counts[0].sources if counts else ())]
                answer = self.compose.listing(entity.name(self.lang), names, sources, entity, lead)
                # 'Was Mongolia in the pilot too?': yes, ahead of the list that shows it.
                return self.compose.prepend(answer, self.compose.say("premise_yes") if member else "")
            if counts and not countries and "all" in self.u.cues:
                topic = sorted(self.topics & set(counts[0].topics))[0]
                line = self.compose.say(
                    "names_not_listed", subject=entity.name(self.lang), what=self.compose.kind_name(topic)
                )
                return self.compose.not_on_record(entity, line, counts[0])
        return None

    def _member(self) -> bool:
        """'Did the Dominican Republic take part in the IDB course too?': a country named with a programme whose
        countries include it, in a question about taking part rather than a detail."""
        named = [e for e in self.entities if self.entity(e).type == "country" and e not in self.u.anchors]
        programmes = [self.entity(e) for e in self.entities if self.entity(e).type == "programme"]
        if not named or not any(c in p.countries for c in named for p in programmes):
            return False
        taking_part = bool(self.topics & {"participants", "countries"}) or self.intent == "list"
        return taking_part and want_of(self.kb, self.intent, self.u.cues, self.topics) in (None, "person")

    # -- the records about the named things ----------------------------------------------------------

    def about_entities(self) -> Answer:
        ask = self.ask
        missing_kind = self._no_event_of_kind(ask)
        ranked = self.ranker.rank(ask)
        best = ranked[0]
        text = best.fact.text(self.lang) if best.fact else best.entity.summary(self.lang)
        # Words the fact base cannot place ('job openings') make a question off topic, unless the record found
        # uses them itself or is about what the question is about.
        off_topic = (
            self.off_topic()
            and not self.ranker.lexical(ask, normalize(text))
            and not (best.fact and ask.subjects & set(best.fact.topics))
        )
        planned = self._only_planned(ranked)
        if planned:
            return planned
        if missing_kind or not best.answers or off_topic:
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
        chosen += self._second_detail(ask, chosen)
        # What the answer is about, its main subject first: a follow-up ('who funded it?') continues from it.
        entities = list(
            dict.fromkeys(
                [*(f.about[0] for f in chosen), *(e for e in self.entities if any(e in f.about for f in chosen))]
            )
        )
        return self.records_answer(ask, chosen, self.confidence(ask, best.score), entities)

    def records_answer(self, ask: Ask, chosen: list[Fact], confidence: float, entities: Sequence[str]) -> Answer:
        """The records chosen, the first leading: its earlier figures after it, and a lead that says yes or no
        to a figure stated, the change asked for, or the currency the sources use."""
        best = chosen[0]
        history = self.records.series(best)[:4] if best.count else []
        lead = self.premise_lead(best) if self.premise else self.change_lead(history) or self.currency_lead(best)
        return self.compose.facts_answer(
            chosen, confidence, entities, ask.want, history if len(history) > 1 else (), lead
        )

    def _only_planned(self, ranked: list[Scored]) -> Answer | None:
        """'Was the Cameroon system actually delivered?': when the closest record is only a plan, say so."""
        if "actually" not in self.u.cues:
            return None
        closest = max((s for s in ranked if s.fact), key=lambda s: s.score, default=None)
        if closest is None or closest.fact is None or closest.fact.status != "planned":
            return None
        subject = self.entity(closest.fact.about[0])
        line = self.compose.say("only_planned", subject=subject.name(self.lang))
        return self.compose.not_on_record(subject, line, closest.fact)

    def _chosen(self, ask: Ask, ranked: list[Scored]) -> list[Fact]:
        best = ranked[0].fact
        assert best is not None
        chosen = [best]
        every = "all" in self.u.cues or self.intent == "list"
        for other in ranked[1:] if every else ranked[1:3]:
            if not other.answers or other.fact is None or self.premise:
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

    def _second_detail(self, ask: Ask, chosen: list[Fact]) -> list[Fact]:
        """A question asking two things ('how many members, and since when?'): the record of the second."""
        cues = self.u.cues
        second: Want | None = (
            "start" if "since" in cues else "end" if "until" in cues else ("duration" if "duration" in cues else None)
        )
        if (
            second is None
            or second == ask.want
            or any(second in self.engine.details.of_fact(f, self.lang) for f in chosen)
        ):
            return []
        again = replace(ask, want=second, intent=None, refined=True)
        found = [s.fact for s in self.ranker.rank(again) if s.answers and s.fact and s.fact not in chosen]
        return found[:1]

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

    def currency_lead(self, fact: Fact) -> str:
        """'In dollars?': the sources give the amount in won only; say so rather than convert it."""
        asked = currency_asked(self.u.text)
        if fact.amount is None or asked is None or asked == fact.amount.unit:
            return ""
        return self.compose.say("currency_only", currency=self.compose.say(f"currency_name_{fact.amount.unit}"))

    def change_lead(self, history: list[Fact]) -> str:
        """'How many more in 2022 than in 2013?': the change between two statements of a figure."""
        if len(history) < 2 or not self.u.cues & {"difference", "than", "more"}:
            return ""
        dated = {int((f.as_of or f.date or "0")[:4]): f for f in history}
        years = sorted(y for y in self.u.years if y in dated) or sorted(dated)
        first, last = dated[years[0]], dated[years[-1]]
        if first is last or first.count is None or last.count is None:
            return ""
        change = Quantity(last.count.value - first.count.value, last.count.unit)
        return self.compose.say(
            "series_change",
            change=format_count(self.kb, change, self.lang),
            first=format_date((first.as_of or first.date or "")[:4], self.lang),
            last=format_date((last.as_of or last.date or "")[:4], self.lang),
            first_value=format_count(self.kb, first.count, self.lang),
            last_value=format_count(self.kb, last.count, self.lang),
        )

    def confidence(self, ask: Ask, score: float) -> float:
        ideal = W_ENTITY + W_PRIMARY + (W_INTENT if ask.intent else 0) + (W_WANT if ask.want else 0)
        return score / (ideal + W_TOPIC * min(2, len(ask.topics)))

    def _no_event_of_kind(self, ask: Ask) -> str | None:
        """'When did KONEPS go to Mexico?': an export, an MOU or a contract with a country is an event on record
        or nothing; a plan that mentions the country is not one. The kind asked that has no such event."""
        kinds = [k for k in sorted(ask.subjects) if k in COUNTRY_KINDS]
        countries = [e for e in ask.specific if self.entity(e).type == "country"]
        if not kinds or not countries or len(countries) != len(ask.specific):
            return None
        if ask.want is None and not self.yes_no and "confirm" not in self.u.cues:
            return None  # 'why does entering Kyrgyzstan matter?' is answered by what the records say of it
        for country in countries:
            if not any(e.kinds & set(kinds) for e in self.records.own_events(country)):
                return kinds[0]
        return None

    def not_on_record(self, ask: Ask, ranked: list[Scored], kind: str | None = None) -> Answer:
        """Say exactly what the sources lack, about the named thing whose records come closest to the question."""
        subjects = [kind] if kind else sorted(ask.subjects, key=lambda t: (t not in EVENT_KINDS, t))
        near = [s.fact for s in ranked if s.fact and set(s.fact.about) & set(ask.specific)]
        closest = next((f for f in near if set(f.topics) & ask.subjects), None)
        if closest is None and not ask.subjects and ask.want:
            # With nothing else to go by, the record nearest the question that does not hold a figure of
            # the kind asked (which would read as an answer).
            closest = next((f for f in near if ask.want not in self.engine.details.of_fact(f, self.lang)), None)
        named = [e for e in ask.specific if closest and e in closest.about] or list(ask.specific)
        subject = self.entity(named[0])
        topic = subjects[0] if subjects else None
        # 'Who came from Sri Lanka to the ADB training?': the line names Sri Lanka with the training.
        qualifiers = [
            self.entity(e)
            for e in ask.vague
            if self.entity(e).type == "country" and e not in self.u.anchors and e in subject.countries
        ]
        # No record of the thing at all (no MOU with Vietnam) is said as such, not as a missing date of it.
        counted = strip_particles(ask.asked_word)[-1] if ask.want == "count" and ask.asked_word else None
        if ask.want == "count" and not counted and ask.counted:
            # Name what was asked: the record shown may count something else (countries, for officials asked).
            counted = self.compose.kind_name(ask.counted)
        line = self.compose.missing(
            subject, topic, ask.want if (closest and not kind) or not topic else None, qualifiers, counted
        )
        return self.compose.not_on_record(subject, line, closest)
