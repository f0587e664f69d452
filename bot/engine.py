"""The answer engine: from an understood question and its conversation to one Answer.

Deciding is explicit: small talk; a name with no record ("unknown"); follow-ups that borrow the
previous question's subject or intent; then the facts about the named entities are scored by
intent, topic, year and how specifically they concern those entities. A fact is stated only when
it answers what was asked (its intent or topic matches); otherwise the reply says what is known
about the entity and that this detail is not, so nothing is invented.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from bot.answer import Answer, Audience, Block, Contact, Kind
from bot.compose import contact_for, note_blocks, person_contact, press_contact, source_refs, visible
from bot.entities import is_particles
from bot.knowledge import FACT_TYPES
from bot.labels import label
from bot.model import LANGS, Entity, Fact, KnowledgeBase, Lang
from bot.session import Context
from bot.understand import YEAR, Understander, Understanding
from bot.vocabulary import STOPWORDS

INTENT_MIN = 0.55  # below this the best intent is not trusted
SMALLTALK = ("greeting", "thanks", "help")
MAX_CHARS = 1000  # longer messages are answered from their start
W_ENTITY, W_GENERIC, W_PRIMARY, W_INTENT, W_TOPIC, W_YEAR, W_OVERVIEW = 3.0, 0.5, 0.5, 1.5, 2.0, 1.0, 0.75
OVERVIEW = "overview"
OFF_TOPIC_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    fact: Fact | None  # None: the overview (summary) of `entity`
    entity: Entity
    answers: bool  # it matches what was asked, not merely whom it is about


class Engine:
    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.understander = Understander(kb)
        counts = Counter(e for f in kb.facts for e in f.about)
        limit = max(8, len(kb.facts) // 5)
        # Entities most facts mention (KONEPS, PPS) say little about which fact is meant.
        self.generic = frozenset(e for e, n in counts.items() if n > limit)
        self.by_entity: dict[str, list[Fact]] = {}
        for fact in kb.facts:
            for eid in fact.about:
                self.by_entity.setdefault(eid, []).append(fact)
        self.fact_years = {f.id: _years(f) for f in kb.facts}
        self.order = {f.id: i for i, f in enumerate(kb.facts)}
        # Fallback, unknown and "not that detail" replies all name the desk: found once, not per message.
        self.default_contacts = {lang: contact_for(kb, [], lang) for lang in LANGS}

    # -- entry point -------------------------------------------------------------------------------

    def fixed(self, reply: str, lang: Lang, audience: Audience) -> Answer:
        """A reply that needs no question (/start, /help, /about, /contact): 'start', 'help', 'about' or 'contact'."""
        r = _Reply(self, self.understander.read("", lang), lang, audience, Context())
        return {"start": lambda: r.smalltalk("start"), "help": lambda: r.smalltalk("help"), "about": r.about,
                "contact": r.contact}[reply]()  # fmt: skip

    def answer(self, text: str, context: Context, lang: Lang | None, audience: Audience) -> tuple[Answer, Context]:
        truncated = len(text) > MAX_CHARS
        u = self.understander.read(text[:MAX_CHARS], lang or context.lang)
        lang = lang or (context.lang if context.lang_pinned else u.lang)
        reply = _Reply(self, u, lang, audience, context)
        answer = reply.decide()
        if truncated:
            answer = replace(
                answer, body=(*answer.body, Block("note", self.kb.message("too_long", lang, limit=str(MAX_CHARS))))
            )
        new_context = context.evolve(lang=lang)
        if answer.kind == "answer":
            new_context = new_context.evolve(
                entities=answer.entities, intent=reply.intent, topics=reply.topics, facts=answer.facts
            )
        return answer, new_context


def _years(fact: Fact) -> frozenset[int]:
    found = {int(y) for y in YEAR.findall(fact.text.en)}
    found |= {int(d[:4]) for d in (fact.date, fact.end, fact.as_of) if d}
    return frozenset(found)


def _newest_first(iso: str) -> str:
    """A sort key putting later ISO dates first (digits inverted), undated last."""
    return "".join(str(9 - int(c)) if c.isdigit() else c for c in iso.ljust(10, "0")) if iso else "~"


class _Reply:
    """One question being answered; holds the working state so each step stays small."""

    def __init__(self, engine: Engine, u: Understanding, lang: Lang, audience: Audience, context: Context) -> None:
        self.engine, self.kb, self.u, self.lang, self.audience, self.context = (
            engine, engine.kb, u, lang, audience, context,
        )  # fmt: skip
        self.entities: tuple[str, ...] = tuple(e for e in u.entity_ids if visible(self.kb.entities[e], audience))
        self.topics = u.topics
        self.intent = self._intent()

    def _intent(self) -> str | None:
        candidates = self.u.intents
        if self.u.mentions or self.topics:
            candidates = tuple((i, s) for i, s in candidates if i not in SMALLTALK)
        if candidates and candidates[0][1] >= INTENT_MIN:
            return candidates[0][0]
        return None

    # -- the decision ------------------------------------------------------------------------------

    def decide(self) -> Answer:
        if not self.u.text:
            return self.smalltalk("help")
        if self.intent in SMALLTALK and not self.u.mentions:
            return self.smalltalk(self.intent)
        if self.u.unknown:
            return self.unknown()
        self._follow_up()
        if self.intent == "contact" or ("contact" in self.topics and self.intent in (None, "who")):
            return self.contact()
        if self.intent == "source" and self.topics <= {"source"}:
            if self.entities:
                return self.sources_of(tuple(f.id for e in self.entities for f in self.engine.by_entity.get(e, [])))
            if self.context.facts:
                return self.sources_of(self.context.facts)
        if self.intent == "list":
            listed = self.listing()
            if listed:
                return listed
        if not self.entities:
            if self.intent == "source":
                return self.about()
            if self.off_topic():
                return self.fallback()
            if self.intent and not self.topics:
                # "When?" alone is a question about something unsaid: ask back. "How's the weather?" is not ours.
                return self.fallback() if self.u.unexplained else self.clarify([], self.kb.examples[self.lang][:3])
            return self.topical() or self.fallback()
        return self.about_entities()

    def _follow_up(self) -> None:
        """Borrow what an elliptical question leaves out from the previous one in this conversation."""
        ctx = self.context
        if self.entities and self.intent in (None, "followup") and not self.topics and ctx.intent:
            self.intent, self.topics = ctx.intent, ctx.topics
        elif not self.entities and ctx.entities and (self.intent or self.topics):
            self.entities = ctx.entities
        if self.intent == "followup":
            self.intent = None

    # -- scoring -----------------------------------------------------------------------------------

    def _specific(self) -> list[str]:
        """The entities a fact must be about; generic ones (KONEPS) and the anchors of an implied programme
        (Iraq in 'Iraq delegation') only add weight."""
        vague = self.engine.generic | self.u.anchors
        return [e for e in self.entities if e not in vague] or list(self.entities)

    def score_fact(self, fact: Fact) -> float:
        about = set(fact.about)
        specific = self._specific()
        generic = [e for e in self.entities if e not in specific]
        score = W_ENTITY * len(about.intersection(specific)) / len(specific)
        if generic:
            score += W_GENERIC * len(about.intersection(generic)) / len(generic)
        if fact.about[0] in self.entities:
            score += W_PRIMARY
        if self.intent and self.intent in fact.asks:
            score += W_INTENT
        score += W_TOPIC * min(2, len(self.topics.intersection(fact.topics)))
        if self.u.years and self.u.years & self.engine.fact_years[fact.id]:
            score += W_YEAR
        return score

    def score_overview(self, entity: Entity) -> float:
        score = W_ENTITY if entity.id in self._specific() else W_GENERIC
        if self.intent in (None, OVERVIEW, "what_is") and not self.topics:
            score += W_OVERVIEW + (W_INTENT if self.intent else 0.0)
        return score

    def off_topic(self) -> bool:
        """Most of the question is words the fact base has no way of asking about (job postings, bidding)."""
        content = [w for w in self.u.residual if w not in STOPWORDS and not is_particles(w)]
        unexplained = len(self.u.unexplained)
        return unexplained >= 2 and unexplained > OFF_TOPIC_SHARE * len(content)

    def answers_question(self, fact: Fact) -> bool:
        """A fact answers only if it matches what was asked, not merely whom it is about."""
        if self.topics:
            return bool(self.topics.intersection(fact.topics))
        return self.intent is None or self.intent in fact.asks

    def ranked(self) -> list[Scored]:
        seen: set[str] = set()
        ranked: list[Scored] = []
        for eid in self.entities:
            entity = self.kb.entities[eid]
            for fact in self.engine.by_entity.get(eid, []):
                if fact.id not in seen and visible(fact, self.audience):
                    seen.add(fact.id)
                    main = self.kb.entities[fact.about[0]]
                    ranked.append(Scored(self.score_fact(fact), fact, main, self.answers_question(fact)))
            ranked.append(Scored(self.score_overview(entity), None, entity, self.overview_answers(entity)))
        ranked.sort(key=self._order)
        return ranked

    def _order(self, s: Scored) -> tuple[bool, float, str, int]:
        # Records that answer the question first, best score first; among equals, the newest statement,
        # then the curator's order.
        when = _newest_first(s.fact.when if s.fact else "")
        return (not s.answers, -s.score, when, self.engine.order[s.fact.id] if s.fact else -1)

    def overview_answers(self, entity: Entity) -> bool:
        """An entity's summary answers 'tell me about X', 'what is X', and 'who is X' for a person."""
        if self.topics:
            return False
        return self.intent in (None, OVERVIEW, "what_is") or (self.intent == "who" and entity.type == "person")

    # -- answers -----------------------------------------------------------------------------------

    def about_entities(self) -> Answer:
        ranked = self.ranked()
        best = ranked[0]
        if not best.answers or self.off_topic():
            return self.no_fact(self.kb.entities[self._specific()[0]])
        if best.fact is None:
            return self.overview(best.entity, best.score)
        chosen = [best.fact]
        for other in ranked[1:3]:
            # Equally good facts of another kind are given too (the question did not tell them apart);
            # an older statement of the same kind (a previous Administrator) is not.
            tie = other.answers and other.score >= best.score - 1e-9
            if other.fact and tie and other.fact.type not in {f.type for f in chosen}:
                chosen.append(other.fact)
        return self.facts_answer(chosen, best.score)

    def confidence(self, score: float) -> float:
        ideal = W_ENTITY + W_PRIMARY + (W_INTENT if self.intent else 0) + W_TOPIC * min(2, len(self.topics))
        return max(0.0, min(1.0, score / ideal))

    def facts_answer(self, facts: list[Fact], score: float) -> Answer:
        lang, audience = self.lang, self.audience
        body: list[Block] = []
        for fact in facts:
            body.append(Block("paragraph", fact.text(lang)))
            if fact.detail:
                body.append(Block("paragraph", fact.detail(lang)))
            body += note_blocks(fact.notes, lang, audience)
        main = self.kb.entities[facts[0].about[0]]
        return self.make(
            "answer", True, self.confidence(score), title=main.name(lang), body=body,
            entities=self._answer_entities(facts), facts=[f.id for f in facts],
            sources=[s for f in facts for s in f.sources], suggest_from=main,
        )  # fmt: skip

    def _answer_entities(self, facts: list[Fact]) -> tuple[str, ...]:
        ids = [e for e in self.entities if any(e in f.about for f in facts)]
        return tuple(ids or facts[0].about[:1])

    def overview(self, entity: Entity, score: float) -> Answer:
        lang = self.lang
        title = entity.name(lang)
        if entity.full_name and entity.full_name(lang) != title:
            title = f"{title} ({entity.full_name(lang)})"
        body = [Block("paragraph", entity.summary(lang)), *note_blocks(entity.notes, lang, self.audience)]
        return self.make(
            "answer", True, self.confidence(score), title=title, body=body, entities=(entity.id,),
            facts=[], sources=entity.sources, suggest_from=entity, intent=OVERVIEW,
        )  # fmt: skip

    def no_fact(self, entity: Entity) -> Answer:
        lang = self.lang
        body = [
            Block("paragraph", self.say("no_fact_for_entity", entity=entity.name(lang))),
            Block("paragraph", entity.summary(lang)),
            Block("paragraph", self.say("contact_answer")),
        ]
        return self.make(
            "unknown", False, 0.3, title=entity.name(lang), body=body, entities=(entity.id,), facts=[],
            sources=entity.sources, suggest_from=entity, contact=self.default_contact,
        )  # fmt: skip

    def topical(self) -> Answer | None:
        """No name given: a fact that matches the question's topics and intent, if one clearly does."""
        if not self.topics:
            return None
        scored = []
        for fact in self.kb.facts:
            overlap = len(self.topics.intersection(fact.topics))
            if overlap and visible(fact, self.audience):
                score = W_TOPIC * min(2, overlap) + (W_INTENT if self.intent in fact.asks else 0.0)
                if self.u.years and self.u.years & self.engine.fact_years[fact.id]:
                    score += W_YEAR
                scored.append((score, fact))
        if not scored:
            return None
        scored.sort(key=lambda sf: (-sf[0], _newest_first(sf[1].when)))
        best_score, best = scored[0]
        # Without a name, only a fact that matches every topic asked and the intent is sure enough.
        if len(self.topics.intersection(best.topics)) < len(self.topics) or (
            self.intent and self.intent not in best.asks
        ):
            return None
        # Another fact just as good about something else: the question did not say which one is meant.
        runner_up = [f for s, f in scored[1:] if s >= best_score and (f.type, f.about[0]) != (best.type, best.about[0])]
        if runner_up:
            return self.clarify([best, *runner_up[:2]])
        self.entities = best.about[:1]
        return self.facts_answer([best], best_score + W_ENTITY)

    def listing(self) -> Answer | None:
        """Lists: countries of a programme, programmes with a partner, or the facts of a kind (up to a year)."""
        lang = self.lang
        for eid in self.entities:
            entity = self.kb.entities[eid]
            if entity.type == "programme" and entity.countries and not self.topics - {"countries", "participants"}:
                names = [self.kb.entities[c].name(lang) for c in entity.countries]
                # The stated count leads: a source may name fewer countries than it counts.
                counts = [f for f in self.engine.by_entity.get(eid, []) if f.count and "countries" in f.topics]
                lead = counts[0].text(lang) if counts and visible(counts[0], self.audience) else ""
                sources = [*entity.sources, *(counts[0].sources if counts else ())]
                return self.list_answer(entity.name(lang), names, sources, entity, lead)
            if entity.type == "organisation" and not self.topics:
                progs = [p for p in self.kb.entities.values() if eid in p.partners and visible(p, self.audience)]
                if progs:
                    items = [f"{p.name(lang)}: {p.summary(lang)}" for p in progs]
                    return self.list_answer(entity.name(lang), items, [s for p in progs for s in p.sources], entity)
        if not self.u.years:
            return None  # a curated list fact, if any, is found by the ordinary ranking
        return self.generated_list()

    def generated_list(self) -> Answer | None:
        """Every fact of the kind asked (a topic that is also a fact type: export, mou, ...) up to the year asked."""
        kinds = self.topics.intersection(FACT_TYPES)
        until = max(self.u.years)

        def wanted(f: Fact) -> bool:
            return (
                f.type in kinds and visible(f, self.audience) and bool(f.date) and int(f.date[:4]) <= until
                and (not self.entities or bool(set(self.entities) & set(f.about)))
            )  # fmt: skip

        facts = sorted((f for f in self.kb.facts if wanted(f)), key=lambda f: (f.date or "", self.engine.order[f.id]))
        if not facts:
            return None
        main = self.kb.entities[self.entities[0]] if self.entities else self.kb.entities[facts[0].about[-1]]
        self.entities = self.entities or (main.id,)
        lead = self.say("list_until", year=str(until), count=str(len(facts)))
        return self.list_answer(main.name(self.lang), [f.text(self.lang) for f in facts],
                                [s for f in facts for s in f.sources], main, lead)  # fmt: skip

    def list_answer(self, title: str, items: list[str], sources: list[str], main: Entity, lead: str = "") -> Answer:
        body = ([Block("paragraph", lead)] if lead else []) + [Block("list", items=tuple(items))]
        return self.make(
            "answer", True, 0.8, title=title, body=body, entities=(main.id,), facts=[], sources=sources,
            suggest_from=main,
        )  # fmt: skip

    def contact(self) -> Answer:
        lang = self.lang
        source_ids = [s for e in self.entities for f in self.engine.by_entity.get(e, []) for s in f.sources]
        source_ids += [s for e in self.entities for s in self.kb.entities[e].sources]
        found = press_contact(self.kb, source_ids)
        person = person_contact(found[0], lang) if found else None
        subject = self.kb.entities[self.entities[0]].name(lang) if self.entities else ""
        text = self.say("contact_answer", contact=person.line() if person else "", subject=subject)
        main = self.kb.entities[self.entities[0]] if self.entities else None
        return self.make(
            "answer", True, 0.9, title=label("contact", lang), body=[Block("paragraph", text)],
            entities=self.entities, facts=[], sources=[found[1].id] if found else [],
            suggest_from=main, contact=person,
        )  # fmt: skip

    def sources_of(self, fact_ids: tuple[str, ...]) -> Answer:
        ids = [s for f in self.kb.facts if f.id in fact_ids for s in f.sources]
        refs = source_refs(self.kb, ids, self.lang, self.audience)
        items = tuple(r.citation() for r in refs)
        return self.make(
            "answer", True, 0.9, title=label("sources", self.lang),
            body=[Block("list", items=items)], entities=self.context.entities, facts=list(fact_ids), sources=ids,
        )  # fmt: skip

    def unknown(self) -> Answer:
        lang = self.lang
        others = self.engine.understander.index.others
        names = ", ".join(dict.fromkeys(others[m.target].name(lang) for m in self.u.unknown))
        body = [Block("paragraph", self.say("unknown_entity", name=names))]
        return self.make("unknown", False, 0.0, title=names, body=body, entities=(), facts=[], sources=[],
                         contact=self.default_contact)  # fmt: skip

    def clarify(self, facts: list[Fact], options: tuple[str, ...] = ()) -> Answer:
        """Between sure and nothing: ask back, offering the likely questions."""
        options = options or tuple(self._question_for(f) for f in facts)
        body = [Block("paragraph", self.say("clarify")), Block("list", items=options)]
        return self.make("clarify", False, 0.4, title="", body=body, entities=(), facts=[], sources=[],
                         suggestions=options)  # fmt: skip

    def about(self) -> Answer:
        """What coopbot knows and the documents it rests on."""
        refs = source_refs(self.kb, self.kb.sources, self.lang, self.audience)
        items = tuple(r.citation() for r in refs)
        text = self.say("about", **{k: str(v) for k, v in self.kb.summary_counts().items()})
        return self.make("answer", True, 1.0, title="", body=[Block("paragraph", text), Block("list", items=items)],
                         entities=(), facts=[], sources=[], intent="source")  # fmt: skip

    def fallback(self) -> Answer:
        body = [Block("paragraph", self.say("fallback"))]
        return self.make("fallback", False, 0.0, title="", body=body, entities=(), facts=[], sources=[],
                         contact=self.default_contact, suggestions=self.kb.examples[self.lang][:3])  # fmt: skip

    def smalltalk(self, intent: str) -> Answer:
        lang = self.lang
        key = {"greeting": "greeting", "thanks": "thanks", "help": "help_intro", "start": "start"}[intent]
        body = [Block("paragraph", self.say(key))]
        if intent == "help":
            body.append(Block("list", items=self.kb.examples[lang]))
        return self.make("smalltalk", True, 1.0, title="", body=body, entities=(), facts=[], sources=[],
                         suggestions=self.kb.examples[lang][:3], intent=intent)  # fmt: skip

    # -- assembling --------------------------------------------------------------------------------

    @property
    def default_contact(self) -> Contact | None:
        """The international cooperation desk: the press contact of the newest source."""
        return self.engine.default_contacts[self.lang]

    def say(self, key: str, **values: str) -> str:
        """A curated message; {contact} is the default contact unless given."""
        if "contact" not in values:
            person = self.default_contact
            values["contact"] = person.line() if person else ""
        return self.kb.message(key, self.lang, **values)

    def make(
        self, kind: Kind, matched: bool, confidence: float, *, title: str, body: list[Block],
        entities: tuple[str, ...], facts: list[str], sources: list[str] | tuple[str, ...],
        suggest_from: Entity | None = None, contact: Contact | None = None,
        suggestions: tuple[str, ...] | None = None, intent: str | None = None,
    ) -> Answer:  # fmt: skip
        lang = self.lang
        return Answer(
            language=lang,
            matched=matched,
            confidence=confidence,
            kind=kind,
            intent=intent or self.intent,
            entities=tuple(entities),
            title=title,
            body=tuple(b for b in body if self.audience == "staff" or not b.internal),
            facts=tuple(facts),
            sources=source_refs(self.kb, sources, lang, self.audience),
            contact=contact,
            suggestions=suggestions if suggestions is not None else self.suggestions(suggest_from, facts),
            audience=self.audience,
            notes={"intents": [list(i) for i in self.u.intents[:3]], "topics": sorted(self.topics)},
        )

    def suggestions(self, entity: Entity | None, used: list[str]) -> tuple[str, ...]:
        """Two or three follow-ups that the fact base can answer: related facts, then the contact."""
        lang = self.lang
        out: list[str] = []
        if entity is not None:
            for fact in self.engine.by_entity.get(entity.id, []):
                if fact.id not in used and fact.question and visible(fact, self.audience):
                    out.append(fact.question(lang))
                if len(out) == 2:
                    break
            related = [
                self.kb.entities[e] for f in self.engine.by_entity.get(entity.id, []) for e in f.about
                if e != entity.id and e not in self.engine.generic
            ]  # fmt: skip
            for other in related:
                if len(out) >= 2:
                    break
                q = self.say("suggest_about", name=other.name(lang))
                if q not in out:
                    out.append(q)
            if self.intent != "contact":
                out.append(self.say("suggest_contact", name=entity.name(lang)))
        if len(out) < 2:
            out += [q for q in self.kb.examples[lang] if q not in out][: 3 - len(out)]
        return tuple(out[:3])

    def _question_for(self, fact: Fact) -> str:
        if fact.question:
            return fact.question(self.lang)
        return self.say("suggest_about", name=self.kb.entities[fact.about[0]].name(self.lang))
