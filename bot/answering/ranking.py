"""Ranking the records about the named things against what is asked.

Each fact about a named entity, and each entity's own overview, gets a score: how specifically it
concerns the entities named, whether it is tagged for the intent, whether it holds the detail
wanted (a date, a count, ...), how many of the question's topics it shares, and whether it mentions
a year asked. A record *answers* only if it concerns a specific entity of the question, is about
what the question is about (its topics), and holds the detail wanted or is tagged for the intent.
Records that answer come first, then by score, then the newest statement, then the curator's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.answering.details import HEADCOUNT, PEOPLE, Details
from bot.answering.factindex import FactIndex
from bot.answering.factmasks import at_least_two, positions
from bot.factbase.model import BROAD, EVENT_PROGRAMME_KINDS, PEOPLE_UNITS, Entity, Fact, KnowledgeBase, visible
from bot.reading.periods import newest_first
from bot.reading.question import Ask
from bot.text.normalize import alias_key, normalize

W_ENTITY, W_GENERIC, W_PRIMARY, W_INTENT, W_WANT, W_TOPIC, W_YEAR, W_OVERVIEW = 3.0, 0.5, 0.5, 1.5, 1.0, 2.0, 1.0, 0.75
W_FOCUS = 0.5  # a record mostly about what was asked beats one that mentions it in passing
W_LEX = 1.5  # each of the question's own words (unknown to the vocabulary) that the record's text uses
W_ALL = 1.0  # a record about every one of several things named: what links them
W_QUALIFIER = 1.0  # a named thing that qualifies the one asked about (the country of 'the Kyrgyzstan pilot')
W_MEMBER = 0.5  # each member of a group the question names that a record names
W_WHOLE = 1.0  # a programme asked about as a whole: its overview
ACTORS = ("organisation", "person")
OVERVIEW_INTENTS = (None, "overview", "what_is")
PARTS_CACHE = 1024  # questions whose named parts are remembered
RANK_CUES = frozenset({"first", "latest"})  # 'was it the first?' asks about one claim, not for the big picture


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    fact: Fact | None  # None: the overview (summary) of `entity`
    entity: Entity
    answers: bool  # it matches what was asked, not merely whom it is about


class Ranker(FactIndex):
    """Scores and orders the records about the named things against what is asked, over the fact base's
    indexes (FactIndex)."""

    MEMOS = (*FactIndex.MEMOS, "_parts_cache")

    def __init__(self, kb: KnowledgeBase, details: Details) -> None:
        super().__init__(kb, details)
        self._parts_cache: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}

    def _lexical_score(self, ask: Ask, text: str) -> float:
        # Words the vocabulary does not know weigh fully; topic words the text itself uses break ties
        # ('sustainable' policies are in the record that says sustainable).
        return W_LEX * self.lexical(ask, text) + W_LEX / 2 * self.lexical(ask, text, ask.terms)

    # -- scores --------------------------------------------------------------------------------------

    def score_fact(self, ask: Ask, fact: Fact) -> float:
        about = self.about(fact)
        score = W_ENTITY * len(about.intersection(ask.specific)) / max(1, len(ask.specific))
        if len(ask.specific) > 1 and set(ask.specific) <= about:
            score += W_ALL
        for group in (e for e in ask.specific if self.kb.entities[e].members):
            # 'Which international organisations took part?': the record naming more of them.
            score += W_MEMBER * min(3, len(set(self.kb.entities[group].members) & set(fact.about)))
        generic = [e for e in ask.vague if e in self.generic]
        qualifiers = [e for e in ask.vague if e not in self.generic]
        if generic:
            score += W_GENERIC * len(about.intersection(generic)) / len(generic)
        if qualifiers:
            # 'the Kyrgyzstan innovative pilot': Kyrgyzstan says which part of the pilot is meant.
            score += W_QUALIFIER * len(about.intersection(qualifiers)) / len(qualifiers)
        if fact.about[0] in (ask.specific or ask.entities):
            score += W_PRIMARY  # not for PPS when the World Bank is asked about with it
        if ask.intent and ask.intent in fact.asks and not ask.refined:
            score += W_INTENT
        if ask.want and ask.want in self.details.of_fact(fact, ask.lang):
            score += W_WANT
        topics = self._scored_topics(ask)
        shared = len(topics.intersection(fact.topics))
        score += W_TOPIC * min(2, shared) + (W_FOCUS * shared / len(fact.topics) if fact.topics else 0.0)
        # What the question is about outweighs what it counts: APPeN's adopters, not its members.
        score += W_FOCUS * len(ask.subjects.intersection(fact.topics))
        return score + self._year_score(ask, fact) + self._lexical_score(ask, self.texts[ask.lang][fact.id])

    def _year_score(self, ask: Ask, fact: Fact) -> float:
        # A record dated in the year asked beats one that mentions it ('33 in 2022, up from 12 in 2013').
        if not ask.years:
            return 0.0
        if ask.years & self.dated[fact.id]:
            return W_YEAR
        return W_YEAR / 2 if ask.years & self.years[fact.id] else 0.0

    def answers_fact(self, ask: Ask, fact: Fact) -> bool:
        about = self.about(fact)
        if ask.specific and not set(ask.specific) & about:
            return False
        if fact.type == "contact" and ask.intent != "contact" and "contact" not in ask.topics:
            return False  # a press contact answers 'whom do I call', not 'who came'
        counted = ask.want == "count" and fact.count is not None and self.counts_what_is_asked(ask, fact, strict=True)
        if ask.subjects and not ask.subjects & set(fact.topics) and not counted:
            return False  # 'how many countries sent officials to the IDB course' is its count of countries
        if ask.want:
            return self._gives(ask, fact)
        if ask.intent is None or ask.intent in fact.asks or ask.subjects:
            return True
        if ask.intent == "list" and fact.count is not None and self.counts_what_is_asked(ask, fact, strict=True):
            return True  # 'APPeN e-procurement countries 2022': no names to list, a count of them
        if len(ask.specific) > 1 and set(ask.specific) <= about:
            return True  # a question naming two things asks what links them
        text = self.texts[ask.lang][fact.id]
        return (
            self.lexical(ask, text) + self.lexical(ask, text, ask.terms) > 0
        )  # what/how: the record whose words match

    def _scored_topics(self, ask: Ask) -> frozenset[str]:
        """Topics that rank records: a topic naming what is counted ('our country') counts only in a question
        that counts or lists."""
        if ask.want == "count" or ask.intent in ("list", "how_many"):
            return ask.topics
        # A topic every record is about (cooperation) does not pull one record above the whole story of a
        # thing asked about as a whole ('what's ADB's relationship with PPS?').
        whole = ask.intent in OVERVIEW_INTENTS and not ask.subjects and not ask.want
        return frozenset(
            t
            for t in ask.topics
            if self.kb.topic_wants.get(t) != "" and not (whole and self.kb.topic_wants.get(t) == BROAD)
        )

    def _gives(self, ask: Ask, fact: Fact) -> bool:
        """Whether a fact holds the detail asked, for what the question names."""
        want, provides = ask.want, self.details.of_fact(fact, ask.lang)
        if want in ("count", "person", "amount") and self._figure_of_another(ask, fact):
            return False
        if want in ("count", "person") and not self._covers_qualifiers(ask, fact):
            return False
        generic_only = bool(ask.entities) and set(ask.entities) <= self.generic
        if fact.about[0] not in ask.entities and generic_only:
            # Naming only PPS or KONEPS does not say which record: 'PPS's total cooperation budget' is not the
            # budget of a pilot it runs, and 'the capital of Korea' is not where a delegation went, unless the
            # question's own words are the record's ('외국 조달공무원' visiting every year, 'benchmark KONEPS').
            text = self.texts[ask.lang][fact.id]
            if not self.lexical(ask, text) + self.lexical(ask, text, ask.subject_terms):
                return False
        if want == "count" and fact.count and not self.counts_what_is_asked(ask, fact):
            return False
        if want == "count" and not fact.count and not self._textcounts_what_is_asked(ask, fact):
            return False
        if want in ("count", "person") and not self._in_its_words(ask, self.texts[ask.lang][fact.id]):
            return False
        # The intent's tag stands for the detail only when no cue made it more precise: a record tagged for
        # 'when' does not answer 'on which exact day' or 'how many days'.
        if want in provides or (ask.intent is not None and ask.intent in fact.asks and not ask.refined):
            return True
        if want == "person" and PEOPLE in provides:
            return True  # 'who took part?': officials, experts, policy makers
        named = set(ask.entities) | self.generic | self._parts_of_named(ask)
        others = [e for e in fact.about if e not in named and self.kb.entities[e].type == "organisation"]
        if want == "person" and others:
            return True  # 'with which agency?': an organisation the question did not name
        if want == "place":
            # '어디가 실증기관이야': a body not named; 'GIZ는 어디에 참여했어': the event an actor took part in;
            # '중남미 어디로 수출하려 해': the countries an export or an expansion goes to.
            actor = any(self.kb.entities[e].type in ACTORS for e in ask.specific)
            head = self.kb.entities[fact.about[0]]
            destinations = ask.subjects & {"export", "expansion", "dispatch"} and any(
                self.kb.entities[e].type == "country" for e in fact.about if e not in named
            )
            return (
                bool(others)
                or bool(destinations)
                or (actor and head.type == "programme" and head.kind in EVENT_PROGRAMME_KINDS)
            )
        return False

    def _parts_of_named(self, ask: Ask) -> frozenset[str]:
        """Partners and countries of a programme the question names, written into its name ('IDB course'): known
        parts of it, not new answers. The same for every record ranked, so worked out once per question."""
        key = (ask.named_text, ask.entities)
        found = self._parts_cache.get(key)
        if found is None:
            written = alias_key(ask.named_text)
            entities = [self.kb.entities[e] for e in ask.entities]
            parts = {p for e in entities for p in (*e.partners, *e.countries)}
            found = frozenset(p for p in parts if any(alias_key(n) in written for n in self.names_of(p)))
            if len(self._parts_cache) > PARTS_CACHE:
                self._parts_cache.clear()
            self._parts_cache[key] = found
        return found

    def names_of(self, entity_id: str) -> tuple[str, ...]:
        entity = self.kb.entities[entity_id]
        return (entity.name.ko, entity.name.en, *entity.aliases)

    def _figure_of_another(self, ask: Ask, fact: Fact) -> bool:
        """A programme's figure is not a country's. 'How many came from Kyrgyzstan to the ADB training?' and 'who
        came from Sri Lanka?' are not answered by the training's 21 officials from 11 countries; 'how much did
        Mongolia pay?' is not answered by the budget of a pilot programme Mongolia is part of. A programme's
        total is its own when the programme is named ('how big is the whole pilot?'), and a record about one
        country's part in it is that country's ('which Kyrgyz ministry tests the product?')."""
        head = self.kb.entities[fact.about[0]]
        if head.type != "programme" or head.kind not in EVENT_PROGRAMME_KINDS:
            return False
        countries = [e for e in fact.about[1:] if self.kb.entities[e].type == "country"]
        named = [e for e in countries if e in ask.entities]
        if not named:
            return False
        if ask.want == "amount":
            return head.id not in ask.entities
        return len(countries) > 1

    def _covers_qualifiers(self, ask: Ask, fact: Fact) -> bool:
        """'Who came from Sri Lanka to the ADB training?': a record of the training that does not concern Sri
        Lanka does not say who came from it."""
        qualifiers = [
            e
            for e in ask.entities
            if e not in ask.anchors
            and self.kb.entities[e].type == "country"
            and any(e in self.kb.entities[p].countries for p in ask.entities)
        ]
        return all(q in self.about(fact) for q in qualifiers)

    @staticmethod
    def counts_what_is_asked(ask: Ask, fact: Fact, strict: bool = False) -> bool:
        """'How many people attended?' is not answered by a count of countries, nor the reverse. `strict`: the
        question must say what it counts."""
        assert fact.count is not None
        people = fact.count.unit in PEOPLE_UNITS
        if ask.counted:
            return people == (ask.counted == "participants")
        if "participants" in ask.topics and "countries" not in ask.topics:
            return people
        if ask.topics & {"countries", "members"} and "participants" not in ask.topics:
            return not people
        return not strict

    def _textcounts_what_is_asked(self, ask: Ask, fact: Fact) -> bool:
        """The same for a count the text gives in words: 14개국 does not say how many people came."""
        if ask.counted == "participants" or ("participants" in ask.topics and "countries" not in ask.topics):
            return HEADCOUNT in self.details.of_fact(fact, ask.lang)
        return True

    def score_overview(self, ask: Ask, entity: Entity) -> float:
        # An overview covers one of the things named; a record about all of them covers the question.
        score = W_ENTITY / max(1, len(ask.specific)) if entity.id in ask.specific else W_GENERIC
        if ask.intent in OVERVIEW_INTENTS and not ask.subjects and not ask.want and not ask.cues & RANK_CUES:
            score += W_OVERVIEW + (W_INTENT if ask.intent else 0.0)
            # Not 'the Uzbekistan part of the pilot', nor a question with words of its own ('interested in');
            # a region or the only country a programme has ('the Latin America course', 'KEPS in Iraq') is the whole.
            qualified = ask.words or any(self._one_country_of(entity, e) for e in ask.vague)
            if (entity.type == "programme" or _is_group(entity)) and entity.id in ask.specific and not qualified:
                score += W_WHOLE  # 'that IDB course, what was it?': the whole story of it, not one record
        if ask.want and ask.want in self.details.of_entity(entity, ask.lang):
            score += W_WANT
        if self._names_itself(ask, entity):
            score += W_TOPIC
        if _is_group(entity) and entity.id in ask.specific and ask.intent in ("who", "list", "overview"):
            score += W_WANT  # a group's overview names its members, a region's its countries
        return score + self._lexical_score(ask, normalize(entity.summary(ask.lang)))

    def _in_its_words(self, ask: Ask, text: str) -> bool:
        """'How many trainers?' is not answered by a count of the officials trained, nor 'who is ADB's 총재
        (president)?' by them: what the question counts or names, in a word of its own, must be the text's."""
        return ask.asked_word is None or self.lexical(ask, text, (ask.asked_word,)) > 0

    def _one_country_of(self, entity: Entity, eid: str) -> bool:
        countries = [c for c in entity.countries if self.kb.entities[c].type == "country"]
        return eid in countries and len(countries) > 1

    def _summary_of_another(self, ask: Ask, entity: Entity) -> bool:
        """A programme's summary counts all its participants, not those of a country named with it ('how many
        came from Kyrgyzstan to the ADB training?'); a figure asked of a country and KONEPS is KONEPS's there."""
        if ask.want not in ("count", "amount", "person"):
            return False
        if ask.want in ("count", "amount") and any(e in self.generic for e in ask.entities if e != entity.id):
            return True  # 'how much did Mongolia pay for KONEPS?' asks about KONEPS in Mongolia
        return any(c in ask.entities for c in entity.countries if self.kb.entities[c].type == "country")

    @staticmethod
    def _names_itself(ask: Ask, entity: Entity) -> bool:
        """'IsDB full name': an entity with a full name answers it in its own title."""
        return ask.subjects == {"full_name"} and entity.full_name is not None

    def answers_overview(self, ask: Ask, entity: Entity) -> bool:
        """An entity's summary answers 'tell me about X', 'what is X', 'who is X' for a person, and a detail
        its summary or fields hold (APPeN since 2015)."""
        if self._names_itself(ask, entity):
            return True
        if entity.id in ask.implied and ask.intent in (None, "who", "list", "what_is"):
            return True  # 'Sri Lanka took part in which training?': the training a country and a keyword name
        if _is_group(entity) and ask.intent in ("who", "list", "overview"):
            return True  # 'which international organisations does PPS work with?': the group says
        summary = normalize(entity.summary(ask.lang))
        if ask.subjects and ask.intent == "overview" and self.lexical(ask, summary, ask.subject_terms):
            return True  # 'KONEPS exports, give me the big picture'
        if ask.subjects:
            return False
        if ask.want:
            provides = self.details.of_entity(entity, ask.lang)
            if ask.want == "count" and ask.counted == "participants" and HEADCOUNT not in provides:
                return False
            if ask.want in ("count", "person") and not self._in_its_words(ask, summary):
                return False
            return ask.want in provides and not self._summary_of_another(ask, entity)
        if ask.intent in (*OVERVIEW_INTENTS, "followup") or (ask.intent == "who" and entity.type == "person"):
            return True
        return self.lexical(ask, normalize(entity.summary(ask.lang))) > 0

    # -- ranking -------------------------------------------------------------------------------------

    def rank(self, ask: Ask) -> list[Scored]:
        seen: set[str] = set()
        ranked: list[Scored] = []
        for eid in ask.entities:
            entity = self.kb.entities[eid]
            for fact in self.facts_about(eid):
                if fact.id not in seen and visible(fact, ask.audience):
                    seen.add(fact.id)
                    main = self.kb.entities[fact.about[0]]
                    ranked.append(Scored(self.score_fact(ask, fact), fact, main, self.answers_fact(ask, fact)))
            ranked.append(Scored(self.score_overview(ask, entity), None, entity, self.answers_overview(ask, entity)))
        ranked.sort(key=self._order)
        return ranked

    def _order(self, s: Scored) -> tuple[bool, float, str, int]:
        # Records that answer the question first, best score first; among equals, the newest statement,
        # then the curator's order.
        if s.fact is None:
            return (not s.answers, -s.score, newest_first(""), -1)
        return (not s.answers, -s.score, self.recency_key[s.fact.id], self.order[s.fact.id])

    def topical(self, ask: Ask) -> Iterator[tuple[float, Fact]]:
        """No name given: the facts sharing the question's topics, best first, newest first among equals. A fact's
        score: each topic it shares (two at most), its tag for the intent, the detail wanted, a year asked that
        dates it (or half, one it mentions). Worked out for classes of facts at once (masks), never fact by fact,
        and listed lazily: a caller that wants the best few touches only those."""
        on_topic = [self.topic_masks.get(t, 0) for t in ask.topics]
        pool = 0
        for mask in on_topic:
            pool |= mask
        if ask.audience != "staff":
            pool &= self.public_mask
        two = at_least_two(on_topic) & pool
        intent = self.intent_masks.get(ask.intent, 0) if ask.intent else 0
        want = self.want_masks.get((ask.want, ask.lang), 0) if ask.want else 0
        dated = mentioned = 0
        for year in ask.years:
            dated |= self.dated_masks.get(year, 0)
            mentioned |= self.year_masks.get(year, 0)
        mentioned &= ~dated
        classes: dict[float, int] = {}
        for topic_score, by_topic in ((W_TOPIC * 2, two), (W_TOPIC, pool & ~two)):
            for intent_score, by_intent in ((W_INTENT, by_topic & intent), (0.0, by_topic & ~intent)):
                for want_score, by_want in ((W_WANT, by_intent & want), (0.0, by_intent & ~want)):
                    for year_score, by_year in (
                        (W_YEAR, by_want & dated),
                        (W_YEAR / 2, by_want & mentioned),
                        (0.0, by_want & ~dated & ~mentioned),
                    ):
                        if by_year:
                            score = topic_score + intent_score + want_score + year_score
                            classes[score] = classes.get(score, 0) | by_year
        for score, mask in sorted(classes.items(), reverse=True):
            for at in positions(mask):
                yield score, self.newest[at]


def _is_group(entity: Entity) -> bool:
    """A group of organisations or a region: its overview names who is in it."""
    return bool(entity.members) or entity.type == "region"
