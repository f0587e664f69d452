"""One question being answered (a Turn): what it asks, and the decision.

Deciding is explicit and in this order: small talk; a name the fact base has no record of; follow-ups
that borrow what the previous question named or asked; whom to contact; sources; questions across
records (across.py: comparisons, first and latest, a period, every item of a kind, how many); a question
that names nothing (without_names.py); a role at the time of a named event (roles.py); the countries of a
programme (programme_countries.py); then the records about the named things (about_named.py), ranked
(ranking.py) and composed (compose.py), with a figure the question states checked against the record (a
false premise). When no record holds what is asked, the reply says exactly what is not on record, and sets
apart what is; nothing is invented.
"""

from __future__ import annotations

from bot.answering.about_named import AboutNamed
from bot.answering.across import Across
from bot.answering.compose import Composer
from bot.answering.context import Context
from bot.answering.engine_parts import EngineParts
from bot.answering.programme_countries import ProgrammeCountries
from bot.answering.records import EVENT_KINDS
from bot.answering.turnview import Premise
from bot.answering.without_names import WithoutNames
from bot.factbase.model import EVENT_PROGRAMME_KINDS, Audience, Entity, Fact, Lang, Want, visible
from bot.reading.entities import is_particles, strip_particles
from bot.reading.lexicon import SMALLTALK
from bot.reading.periods import stated_amounts, stated_counts, stated_years
from bot.reading.question import INTENT_WANTS, Ask, subjects_of, want_of
from bot.reading.understand import Understanding
from bot.reading.vocabulary import STOPWORDS, english_bases
from bot.showing.answer import Answer

INTENT_MIN = 0.55  # below this the best intent is not trusted
OFF_TOPIC_SHARE = 0.5
KO_YES_NO_ENDS = (
    "했어",
    "했니",
    "했지",
    "었어",
    "였어",
    "았어",
    "인가요",
    "이야",
    "나요",
    "니",
    "까",
    "죠",
    "어요",
    "냐",
)
# The words of an elliptical follow-up around a name ('and for the Iraq delegation?', 'what about Tunisia?').
ELLIPSIS = frozenset({"and", "for", "about", "what", "how", "the", "of", "then", "also", "too", "in", "with"})
YES_NO_STARTS = ("is ", "was ", "were ", "are ", "did ", "does ", "do ", "has ", "have ", "had ")
ALTERNATIVES = frozenset({"or", "than", "compare"})  # cues that set named things side by side
PREMISE_WANTS: dict[str, Want] = {"amount": "amount", "count": "count", "year": "date"}
PREMISE_INTENTS = {"amount": "how_much", "count": "how_many", "year": "when"}
LEARNED_CONFIDENCE = 0.9  # a curator said so, for a question that was this one or nearly


class Turn:
    """One question being answered: its working state, and the decision."""

    def __init__(
        self, engine: EngineParts, u: Understanding, lang: Lang, audience: Audience, context: Context, asked: str
    ) -> None:
        self.engine, self.kb, self.u, self.lang, self.audience, self.context = (
            engine,
            engine.kb,
            u,
            lang,
            audience,
            context,
        )
        self.records, self.ranker, self.details = engine.records, engine.ranker, engine.details
        self.entities: tuple[str, ...] = tuple(e for e in u.entity_ids if visible(self.kb.entities[e], audience))
        self.topics = u.topics
        self.intent = self._intent()
        if self.intent not in ("source", "who") and u.entity_ids:
            # '몽골이 자료 다른 데도 나와?': the sources frame a question about what they say of Mongolia.
            self.topics = self.topics - {"source"}
        self.yes_no = u.text.startswith(YES_NO_STARTS) or self._korean_yes_no()
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
        if self._asks_within_sources(candidates):
            # 'According to the press release, which banks took part?': the content, not a list of documents.
            candidates = tuple((i, s) for i, s in candidates if i != "source")
            self.topics = self.topics - {"source"}
        tied = len(candidates) > 1 and candidates[1][1] >= candidates[0][1] - 1e-9
        if tied and candidates[0][0] == "source" and "source" not in self.u.topics:
            # 'where is PPS?' reads as much like 'where is this from?' as like a question of place: with no
            # word of documents in it, it asks the place.
            candidates = candidates[1:]
        elif (
            candidates and candidates[0][0] == "source" and dict(candidates).get("who", 0.0) >= candidates[0][1] - 0.05
        ):
            candidates = tuple(c for c in candidates if c[0] != "source")  # '기사 누가 썼지': who wrote it, a person
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

    def _korean_yes_no(self) -> bool:
        """'튀니지가 몽골보다 먼저 도입했어?': a Korean question with no question word that ends in a verb or copula
        ending asks yes or no ('튀니지는요?' names what to ask of; '언제 했어?' asks when)."""
        u = self.u
        last = u.text.rstrip("?？. ").rsplit(" ", 1)[-1]
        return u.lang == "ko" and not u.has_question_word and last.endswith(KO_YES_NO_ENDS)

    def _asks_within_sources(self, candidates: tuple[tuple[str, float], ...]) -> bool:
        """Whether a question that speaks of the sources asks what they say ('보도자료에 따르면 ... 어디인가요?',
        'Is Mongolia mentioned in the sources?') rather than which they are ('KEPS 보도자료', '출처는?')."""
        top = candidates[0][0] if candidates else None
        if top != "source" or "according" not in self.u.cues or "which_source" in self.u.cues:
            return False
        other = any(i not in ("source", "help", "followup") and s >= INTENT_MIN for i, s in candidates)
        return other or self.u.text.startswith(YES_NO_STARTS) or bool(self.u.entity_ids) or bool(self.u.counted)

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
            and not self.u.has_question_word  # 'Which came first in 2024, ...?' asks; it states nothing
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

    def _only_in_names(self, topic: str) -> bool:
        """A topic signalled only by a name ('the curso with BID': IDB, no bid) is not asked."""
        surfaces = {m.surface.casefold() for m in self.u.mentions}
        signals = self.engine.understander.topic_words.get(topic, ())
        return any(s in surfaces for s in signals) and not any(w in signals for w in self.u.terms)

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

    def off_topic(self) -> bool:
        """Most of the question is words the fact base has no way of asking about (job postings, bidding), and it
        names nothing specific: 'Tunisia KONEPS year, just guess' is still a question about Tunisia."""
        if any(e not in self.ranker.generic for e in self.u.entity_ids):
            return False
        content = [w for w in self.u.residual if w not in STOPWORDS and not is_particles(w)]
        unexplained = len(self.u.unexplained)
        return unexplained >= 2 and unexplained >= OFF_TOPIC_SHARE * len(content)

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
        # Bidding on a tender, tomorrow's weather: not the cooperation desk's, unless the question names something
        # of ours outright ('we visit pps' implies no visit of record).
        named = {m.target for m in self.u.mentions if m.known} - self.ranker.generic
        outside = sorted(t for t in self.topics & self.engine.out_of_scope if not self._only_in_names(t))
        if outside and not named:
            return self.compose.fallback()
        self._follow_up()  # once: what is not on record below is said of what the conversation is about
        if outside:
            # With something of ours named ('register as a supplier for the ADB training'), never its overview.
            return self.off_record(outside[0])
        if missing := sorted(self.topics & self.engine.never_on_record):
            return self.off_record(missing[0])
        self._the_only_one()
        if unheld := self._relation_unheld():
            return self.off_record(unheld)
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
        if role := self.engine.roles.in_period(self) or self.engine.roles.at_time(self):
            return role
        if not self.entities:
            return WithoutNames(self).answer()
        return ProgrammeCountries(self).answer() or AboutNamed(self).answer()

    def _follow_up(self) -> None:
        """Borrow what an elliptical question leaves out from the previous one in this conversation."""
        ctx = self.context
        if "there" in self.u.cues and ctx.entities and all(e in self.ranker.generic for e in self.entities):
            # 'How much was the system Korea built there?' after the Iraqi delegation: there is its country.
            places = [c for e in ctx.entities for c in self._countries_of(e)]
            self.entities = tuple(dict.fromkeys(places or ctx.entities)) + self.entities
            return self._done_following()
        only_generic = all(e in self.ranker.generic for e in self.entities)
        ctx_kinds = (ctx.topics & EVENT_KINDS) or self.records.kinds_of(ctx.facts)
        if not ctx_kinds and len(named_kinds := self.records.kinds_naming(ctx.entities, self.audience)) == 1:
            ctx_kinds = named_kinds  # the last answer was an overview of Tunisia, whose one kind of event is export
        if not self.entities and self.u.cues & {"first", "latest"} and not self.kinds and ctx_kinds:
            # 'Which country was the very first?' after Mongolia's and Tunisia's exports: the first of those
            # exports, among every country, not the first event of the last country named.
            self.topics = self.topics | ctx_kinds
            return self._done_following()
        # 'and for the Iraq delegation?' after a contact question: a bare name reads as 'tell me about it', but
        # in a conversation it asks the same again of another thing.
        bare = all(w in ELLIPSIS or is_particles(w) for w in self.u.residual) and not self.u.cues - {"filler"}
        if (
            self.entities
            and (self.intent in (None, "followup") or (self.intent == "overview" and bare))
            and not self.topics
            and ctx.intent
            and not self.u.has_question_word  # "which banks besides the World Bank?" asks its own question
        ):
            self.intent, self.topics = ctx.intent, ctx.topics
        elif (
            not self.entities
            and ctx.entities
            and (
                self.intent or self.topics or self.u.cues - {"filler"} or self.u.period  # 'And in 2018?'
            )
        ):
            self.entities = ctx.entities
            if not self.topics and self.u.period:
                # '..., and who in May 2024?': the same question of another time.
                self.topics = ctx.topics
            if "that" in self.u.cues and ctx.topics & EVENT_KINDS:
                # '... the contract with Cameroon, and when was it signed?': 'it' is the contract, whatever
                # 'signed' suggests on its own.
                self.topics = (self.topics - EVENT_KINDS) | (ctx.topics & EVENT_KINDS)
        elif only_generic and ctx.entities and self.u.cues & {"there", "that"}:
            # 'How much was the system Korea built there?' names only Korea: 'there' is still the last subject.
            # ('Which countries use KONEPS?' names only KONEPS too, and is a question of its own.)
            self.entities = tuple(dict.fromkeys((*ctx.entities, *self.entities)))
        self._done_following()

    def _the_only_one(self) -> None:
        """'the forum' when one forum is on record is that forum: '포럼에 온 국제기구 어디어디' asks of it, it does not
        list forums. Counting ('how many forums?') and listing them still go across records."""
        # A group named ('포럼에 온 국제기구') is what is asked of the event, not which event.
        named = [e for e in self.entities if e not in self.ranker.generic and self.entity(e).kind != "group"]
        if named or len(self.kinds) != 1 or self.u.period:
            return
        if self.intent == "how_many":
            return  # counting forums, or a figure some record states ('how many countries visit every year')
        details = {t for t in self.topics if self.kb.topic_wants.get(t) == ""}
        about_else = subjects_of(self.kb, self.topics) - self.kinds
        # A list of what the one event had ('포럼에 온 국제기구', '소개한 정책들') is a question about it.
        asks_more = details or about_else or self.entities or self.u.unexplained
        if (self.u.cues & {"all", "events"} or self.intent == "list") and not asks_more:
            return
        subjects = {e.subject.id for e in self.records.select(self.kinds, (), None, self.audience)}
        if len(subjects) == 1:
            self.entities = (*self.entities, *subjects)

    def _relation_unheld(self) -> str | None:
        """A relation asked of something named ('when will KONEPS start operating in Kyrgyzstan?') that none of its
        records carries: not on record, never a neighbouring record (the MOU's date). An event's own relations
        ('when did the forum open?') are its dates, which every record of it holds."""
        asked = sorted(self.topics & self.engine.relations)
        named = [e for e in self.specific if e not in self.ranker.generic and not self.is_event(e)]
        if not asked or not named:
            return None
        held = {t for e in named for f in self.ranker.facts_about(e) if visible(f, self.audience) for t in f.topics}
        return next((t for t in asked if t not in held), None)

    def _done_following(self) -> None:
        if self.intent == "followup":
            self.intent = None
        self.compose.intent = self.intent

    # -- replies that need no ranking ----------------------------------------------------------------

    def off_record(self, topic: str) -> Answer:
        """What the sources never hold (a hotel, a fee, how to apply), asked about what the question names: that
        it is not on record, what the sources do say about what is named, and whom to ask. A record that only
        shares the question's names (the training's curriculum for 'how do I apply') is never the answer."""
        named = [self.entity(e) for e in self.specific if e not in self.ranker.generic]
        if not named:
            return self.compose.nothing_on(topic)
        closest = next((f for f in self.ranker.facts_about(named[0].id) if visible(f, self.audience)), None)
        return self.compose.nothing_on(topic, named[0], closest)

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
