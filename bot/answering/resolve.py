"""Resolving a read question into its Request (request.py), once and in this order: its intent, whether it asks
yes or no or states a figure to confirm, what it borrows from its conversation when it leaves something out,
and the one event of a kind it means when it names the kind only. Each step returns what it decided; nothing
is changed afterwards.
"""

from __future__ import annotations

from bot.answering.context import Context
from bot.answering.engine_parts import EngineParts
from bot.answering.records import EVENT_KINDS
from bot.answering.request import COMPARE_CUES, PROCEDURES, Premise, Request, operation_of
from bot.factbase.model import EVENT_PROGRAMME_KINDS, Audience, Cue, Intent, Lang, Want, visible
from bot.reading.entities import is_particles, strip_particles
from bot.reading.lexicon import SMALLTALK
from bot.reading.periods import stated_amounts, stated_counts, stated_years
from bot.reading.question import INTENT_WANTS, Ask, subjects_of, want_of
from bot.reading.understand import Understanding
from bot.reading.vocabulary import english_bases

INTENT_MIN = 0.55  # below this the best intent is not trusted
SOURCE_OVER_WHO = 0.05  # 'who' this close to 'source' asks for a person ('기사 누가 썼지')
KO_YES_NO_ENDS = (
    "했어",
    "됐어",
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
PAST_STARTS = ("was ", "were ", "did ", "has ", "have ", "had ")
KO_PAST = ("었", "았", "였", "했", "됐")  # the past tense, inside a Korean verb's ending
ALTERNATIVES = frozenset({"or", "than", "compare"})  # cues that set named things side by side
ASKING_CUES: frozenset[Cue] = COMPARE_CUES | {"share"}  # cues of a figure worked out: the question states none
PREMISE_INTENTS: dict[str, Intent] = {"amount": "how_much", "count": "how_many", "year": "when"}
PREMISE_WANTS: dict[str, Want] = {"amount": "amount", "count": "count", "year": "date"}


class Resolver:
    """Resolves one read question, in its conversation, into a Request."""

    def __init__(self, parts: EngineParts, u: Understanding, lang: Lang, audience: Audience, context: Context) -> None:
        self.parts, self.kb, self.u, self.lang, self.audience, self.context = (
            parts,
            parts.kb,
            u,
            lang,
            audience,
            context,
        )
        self.generic = parts.ranker.generic

    def request(self, asked: str) -> Request:
        u = self.u
        entities = self._about(tuple(e for e in u.entity_ids if visible(self.kb.entities[e], self.audience)))
        intent, topics = self._intent(entities)
        if intent not in ("source", "who") and u.entity_ids:
            # '몽골이 자료 다른 데도 나와?': the sources frame a question about what they say of Mongolia.
            topics = topics - {"source"}
        yes_no = u.text.startswith(YES_NO_STARTS) or self._korean_yes_no()
        premise = self._premise(yes_no) or self._stated_year(intent)
        if premise:
            intent = PREMISE_INTENTS[premise.field]
        read_topics = topics
        entities, intent, topics = self._follow_up(entities, intent, topics)
        if intent == "followup":
            intent = None
        entities = self._the_only_one(entities, intent, topics)
        ask = self._ask(entities, intent, topics, premise, u.cues | self._operation_borrowed(read_topics))
        past = yes_no and self._past()
        return Request(u, asked, ask, yes_no, past, premise, operation_of(ask, u, yes_no, premise))

    # -- the question itself -------------------------------------------------------------------------

    def _about(self, entities: tuple[str, ...]) -> tuple[str, ...]:
        """What the question is about: a publisher named with its article ('according to the 2014 Hankyung
        article, ...') says which document, unless the article is all it names ('who wrote the Hankyung article?')."""
        top = self.u.intents[0][0] if self.u.intents else None
        if not ("according" in self.u.cues or "source" in self.u.topics) or top == "who":
            return entities  # ('나라장터 수출에 관한 한국경제 기사는 누가 썼어?' asks of the article itself)
        kept = tuple(e for e in entities if self.kb.entities[e].kind != "media")
        # ('korea.kr에 조달청 자료 뭐 올라와 있어?' asks of the publisher: PPS names nothing specific, and it asks
        # of nothing else.)
        asks_of_else = any(e not in self.generic for e in kept) or bool(self.u.topics - {"source"})
        return kept if kept and asks_of_else else entities

    def _intent(self, entities: tuple[str, ...]) -> tuple[Intent | None, frozenset[str]]:
        """The intent the question's words say, and its topics (less the sources, when it asks what they say)."""
        candidates, topics = self.u.intents, self.u.topics
        if self.u.mentions:
            candidates = tuple((i, s) for i, s in candidates if i not in SMALLTALK)
        if self._asks_within_sources(candidates):
            # 'According to the press release, which banks took part?': the content, not a list of documents.
            candidates = tuple((i, s) for i, s in candidates if i != "source")
            topics = topics - {"source"}
        tied = len(candidates) > 1 and candidates[1][1] >= candidates[0][1] - 1e-9
        if tied and candidates[0][0] == "source" and "source" not in self.u.topics:
            # 'where is PPS?' reads as much like 'where is this from?' as like a question of place: with no
            # word of documents in it, it asks the place.
            candidates = candidates[1:]
        elif (
            candidates
            and candidates[0][0] == "source"
            and dict(candidates).get("who", 0.0) >= candidates[0][1] - SOURCE_OVER_WHO
        ):
            candidates = tuple(c for c in candidates if c[0] != "source")  # '기사 누가 썼지': who wrote it, a person
        # '튀니지 수출 몇년?' of one thing asks which year; '몇 년 걸렸어?', '몇 년 차이' count years between two.
        which_year = (
            "years" in self.u.cues
            and not self.u.cues & {"difference", "duration", "ratio", "than"}
            and len(entities) <= 1
        )
        if not candidates or candidates[0][1] < INTENT_MIN:
            if which_year:
                return "when", topics
            return ("how_many" if self.u.counted else None), topics  # 'MOU 몇 건이야?': what is counted says it
        intent = candidates[0][0]
        if intent == "how_many" and which_year and self.u.counted is None:
            return "when", topics
        bare = not (self.u.topics or self.u.unexplained or self.u.years or self.u.cues - {"filler"})
        if intent == "who" and bare and entities and all(self.kb.entities[e].type == "organisation" for e in entities):
            return "what_is", topics  # 'who is KOICA?' asks what KOICA is, not a person
        return intent, topics

    def _korean_yes_no(self) -> bool:
        """'튀니지가 몽골보다 먼저 도입했어?': a Korean question with no question word that ends in a verb or copula
        ending asks yes or no ('튀니지는요?' names what to ask of; '언제 했어?' asks when)."""
        u = self.u
        last = u.text.rstrip("?？. ").rsplit(" ", 1)[-1]
        return u.lang == "ko" and not u.has_question_word and last.endswith(KO_YES_NO_ENDS)

    def _past(self) -> bool:
        """A yes/no question in the past tense: 'Did ...?', 'Has ...?', '...했어?', '...됐나요?'."""
        if self.u.lang == "en":
            return self.u.text.startswith(PAST_STARTS)
        last = self.u.text.rstrip("?？. ").rsplit(" ", 1)[-1]
        return any(mark in last for mark in KO_PAST)

    def _asks_within_sources(self, candidates: tuple[tuple[Intent, float], ...]) -> bool:
        """Whether a question that speaks of the sources asks what they say ('보도자료에 따르면 ... 어디인가요?',
        'Is Mongolia mentioned in the sources?') rather than which they are ('KEPS 보도자료', '출처는?')."""
        top = candidates[0][0] if candidates else None
        if top != "source" or "which_source" in self.u.cues:
            return False
        if "according" not in self.u.cues:
            # '2023년 이라크 보도자료 당시 조달청장은?': a document named with something else asked of it.
            return bool(self.u.entity_ids) and bool(subjects_of(self.kb, self.u.topics) - {"source"})
        other = any(i not in ("source", "help", "followup") and s >= INTENT_MIN for i, s in candidates)
        return other or self.u.text.startswith(YES_NO_STARTS) or bool(self.u.entity_ids) or bool(self.u.counted)

    def _premise(self, yes_no: bool) -> Premise | None:
        """A figure stated in a question that asks for confirmation ('..., right?', 'Was it in 2009?')."""
        text = self.u.text
        if "confirm" not in self.u.cues and not yes_no:
            return None
        amounts, counts, years = stated_amounts(text), stated_counts(text), stated_years(text)
        if amounts:
            return Premise("amount", amounts[0].value)
        if counts:
            return Premise("count", counts[0])
        if years and self.u.period and self.u.period.start == self.u.period.end:
            return Premise("year", years[0])
        return None

    def _stated_year(self, intent: Intent | None) -> Premise | None:
        """'Vietnam got KONEPS 2010 ya': one year stated about something named, with no question word."""
        years = stated_years(" ".join(self.u.residual))  # not the year in a name ('2014 나라장터 엑스포')
        single = self.u.period is not None and self.u.period.start == self.u.period.end
        if (
            len(set(years)) == 1
            and single
            and self.u.entity_ids
            and intent is None
            and not self.u.has_question_word  # 'Which came first in 2024, ...?' asks; it states nothing
            and not self.u.cues & {"all", "events"}
            and not self.u.cues & ASKING_CUES  # '2022년 도입국 비율은': a share asked, not a year stated
        ):
            return Premise("year", years[0])
        return None

    # -- what the conversation lends -----------------------------------------------------------------

    def _follow_up(
        self, entities: tuple[str, ...], intent: Intent | None, topics: frozenset[str]
    ) -> tuple[tuple[str, ...], Intent | None, frozenset[str]]:
        """What an elliptical question leaves out, borrowed from the previous one in this conversation."""
        ctx, u, generic = self.context, self.u, self.generic
        if "there" in u.cues and ctx.entities and all(e in generic for e in entities):
            # 'How much was the system Korea built there?' after the Iraqi delegation: there is its country.
            places = [c for e in ctx.entities for c in self._countries_of(e)]
            return tuple(dict.fromkeys(places or ctx.entities)) + entities, intent, topics
        only_generic = all(e in generic for e in entities)
        records = self.parts.records
        ctx_kinds = (ctx.topics & EVENT_KINDS) or records.kinds_of(ctx.facts)
        if not ctx_kinds and len(named_kinds := records.kinds_naming(ctx.entities, self.audience)) == 1:
            ctx_kinds = named_kinds  # the last answer was an overview of Tunisia, whose one kind of event is export
        if not entities and u.cues & {"first", "latest"} and not _kinds(topics) and ctx_kinds:
            # 'Which country was the very first?' after Mongolia's and Tunisia's exports: the first of those
            # exports, among every country, not the first event of the last country named.
            return entities, intent, topics | ctx_kinds
        # 'and for the Iraq delegation?' after a contact question: a bare name reads as 'tell me about it', but
        # in a conversation it asks the same again of another thing.
        bare = all(w in ELLIPSIS or is_particles(w) for w in u.residual) and not u.cues - {"filler"}
        if (
            entities
            and (intent in (None, "followup") or (intent == "overview" and bare))
            and not topics
            and ctx.intent
            and not u.has_question_word  # "which banks besides the World Bank?" asks its own question
        ):
            return entities, ctx.intent, ctx.topics
        if not entities and ctx.entities and (intent or topics or u.cues - {"filler"} or u.period):  # 'And in 2018?'
            if not topics and (u.period or "now" in u.cues):
                # '..., and who in May 2024?', '지금은?': the same question of another time.
                intent, topics = intent or ctx.intent, ctx.topics
            if "that" in u.cues and ctx.topics & EVENT_KINDS:
                # '... the contract with Cameroon, and when was it signed?': 'it' is the contract, whatever
                # 'signed' suggests on its own.
                topics = (topics - EVENT_KINDS) | (ctx.topics & EVENT_KINDS)
            return ctx.entities, intent, topics
        if only_generic and ctx.entities and u.cues & {"there", "that"}:
            # 'How much was the system Korea built there?' names only Korea: 'there' is still the last subject.
            # ('Which countries use KONEPS?' names only KONEPS too, and is a question of its own.)
            return tuple(dict.fromkeys((*ctx.entities, *entities))), intent, topics
        return entities, intent, topics

    def _operation_borrowed(self, read_topics: frozenset[str]) -> frozenset[Cue]:
        """'And between 2018 and 2022?' after a change asked: the same operation, of another period."""
        u, ctx = self.u, self.context
        if u.entity_ids or read_topics or not u.period or u.cues & ASKING_CUES or not ctx.entities:
            return frozenset()
        return ctx.cues & ASKING_CUES

    def _countries_of(self, eid: str) -> list[str]:
        """The country 'there' is, after a thing: itself, or the one country it is of (the Iraqi delegation's);
        none for what many countries took part in (at the ADB training, 'there' is the training)."""
        entity = self.kb.entities[eid]
        if entity.type == "country":
            return [eid]
        found = [c for c in entity.countries if self.kb.entities[c].type == "country"]
        if len(found) > 1:
            return []
        return found or ([entity.country] if entity.country and entity.country not in self.generic else [])

    def _the_only_one(
        self, entities: tuple[str, ...], intent: Intent | None, topics: frozenset[str]
    ) -> tuple[str, ...]:
        """'the forum' when one forum is on record is that forum: '포럼에 온 국제기구 어디어디' asks of it, it does not
        list forums. Counting ('how many forums?') and listing them still go across records."""
        # A group named ('포럼에 온 국제기구') is what is asked of the event, not which event.
        named = [e for e in entities if e not in self.generic and self.kb.entities[e].kind != "group"]
        kinds = _kinds(topics)
        if named or len(kinds) != 1 or self.u.period or intent == "how_many":
            return entities  # (counting forums, or a figure some record states: 'how many countries visit')
        if topics & PROCEDURES:
            return entities  # '방문하고 싶어요 어떻게 신청해요?': the asker's own visit, not the one visit on record
        details = {t for t in topics if self.kb.topic_wants.get(t) == ""}
        about_else = subjects_of(self.kb, topics) - kinds
        # A list of what the one event had ('포럼에 온 국제기구', '소개한 정책들') is a question about it.
        asks_more = details or about_else or entities or self.u.unexplained
        if (self.u.cues & {"all", "events"} or intent == "list") and not asks_more:
            return entities
        subjects = {e.subject.id for e in self.parts.records.select(kinds, (), None, self.audience)}
        return (*entities, *subjects) if len(subjects) == 1 else entities

    # -- the typed ask -------------------------------------------------------------------------------

    def _ask(
        self,
        entities: tuple[str, ...],
        intent: Intent | None,
        topics: frozenset[str],
        premise: Premise | None,
        cues: frozenset[Cue],
    ) -> Ask:
        u = self.u
        want = PREMISE_WANTS[premise.field] if premise else want_of(self.kb, intent, cues, topics)
        return Ask(
            entities=entities,
            specific=self._specific(entities),
            intent=intent,
            want=want,
            topics=topics,
            subjects=subjects_of(self.kb, topics),
            cues=cues,
            period=u.period,
            years=u.years if not premise or premise.field != "year" else frozenset(),
            audience=self.audience,
            lang=self.lang,
            words=tuple(w for w in u.unexplained if len(w) >= 2 and not w.isdigit()),
            terms=u.terms,
            subject_terms=self._subject_terms(topics),
            refined=want is not None and want != (INTENT_WANTS.get(intent) if intent else None),
            counted=u.counted,
            asked_word=u.asked_word,
            implied=u.implied,
            anchors=u.anchors,
            named_text=" ".join(m.surface for m in u.mentions),
        )

    def _subject_terms(self, topics: frozenset[str]) -> tuple[str, ...]:
        """The question's words that signal a topic it is about ('benchmark'), not a detail asked ('budget')."""
        signals = self.parts.understander.topic_words
        subjects = subjects_of(self.kb, topics)
        return tuple(
            w
            for w in self.u.terms
            if any(f in signals.get(t, ()) for t in subjects for f in (*strip_particles(w), *english_bases(w)))
        )

    def _specific(self, entities: tuple[str, ...]) -> tuple[str, ...]:
        """The entities a record must concern. Generic ones (KONEPS), the anchors of an implied programme (ADB in
        'ADB training') and the partners and countries of a programme named (Sri Lanka in 'the ADB training
        Sri Lankan officials attended') only qualify it: 'a programme named with its place, partner or region
        is what the question is about'."""
        vague = set(self.generic | self.u.anchors)
        if self.u.cues & ALTERNATIVES:
            # 'the Kyrgyzstan MOU or the ADB training?': things set side by side do not qualify one another.
            return tuple(e for e in entities if e not in vague) or entities
        for eid in entities:
            entity = self.kb.entities[eid]
            if entity.type == "programme" and entity.kind in EVENT_PROGRAMME_KINDS:
                vague |= {*entity.partners, *entity.countries}
            if entity.parent in entities:
                vague.add(entity.parent)  # 'the Kurdistan Ministry of Planning': Kurdistan says which ministry
        return tuple(e for e in entities if e not in vague) or entities


def _kinds(topics: frozenset[str]) -> frozenset[str]:
    return frozenset(t for t in topics if t in EVENT_KINDS)
