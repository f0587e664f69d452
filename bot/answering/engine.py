"""The answer engine: from a question and its conversation to one Answer.

In stages: it reads the question (the question sentence of a long message, and what the sentences before it
name when the question names nothing); resolves it against its conversation into a frozen Request
(resolve.py); asks the answerers in order for a candidate (answerers.py), or takes the record a curator taught
for this way of asking; verifies the candidate against the whole question (verify.py); and carries the
conversation's context on to the next question.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bot.answering.answerers import decide
from bot.answering.case import Case
from bot.answering.compose import Composer
from bot.answering.confidence import TAUGHT
from bot.answering.context import Context
from bot.answering.engine_parts import EngineParts
from bot.answering.joined import joined
from bot.answering.resolve import Resolver
from bot.answering.verify import checked
from bot.factbase.model import Audience, Lang, visible
from bot.reading.focus import SHORT, Focus, focus
from bot.reading.parts import parts_of
from bot.reading.understand import Understanding
from bot.showing.answer import Answer, Block

NEGATION = re.compile(r"\bnot\b|n't\b|\bexcept\b|\bbesides\b|아니라|아니고|말고|빼고|제외")


class Engine(EngineParts):
    """The entry points: a reply that needs no question, and the answer to one."""

    def fixed(self, reply: str, lang: Lang, audience: Audience) -> Answer:
        """A reply that needs no question (/start, /help, /about, /contact)."""
        compose = self._case(self.understander.read("", lang), lang, audience, Context(), "").compose
        if reply == "about":
            return compose.about()
        if reply == "contact":
            return compose.contact((), [], self.contact_facts)
        return compose.smalltalk(reply)  # start, help

    def answer(self, text: str, context: Context, lang: Lang | None, audience: Audience) -> tuple[Answer, Context]:
        """The answer to one message, and the conversation's context after it."""
        found = focus(text)
        parts = () if self.learned.match(found.question) else parts_of(found.question)
        if len(parts) > 1:
            answered = self._parts(parts, text, found, context, lang, audience)
            if answered:
                return answered
        return self._question(text, found, context, lang, audience)

    def _parts(
        self, parts: tuple[str, ...], text: str, found: Focus, context: Context, lang: Lang | None, audience: Audience
    ) -> tuple[Answer, Context] | None:
        """A question in several parts: each answered, those naming something first (a part that names nothing
        borrows from them, as a follow-up does), the answers joined in the order asked. None when a part is not
        a question the engine can read on its own (the split was wrong): then the message is one question."""
        read = [self.understander.read(p, lang or context.lang) for p in parts]
        order = sorted(range(len(parts)), key=lambda i: all(e in self.ranker.generic for e in read[i].entity_ids))
        answers: dict[int, Answer] = {}
        for i in order:
            answers[i], context = self._question(text, replace(found, question=parts[i]), context, lang, audience)
            if answers[i].kind in ("clarify", "fallback", "smalltalk"):
                return None
        return joined([answers[i] for i in range(len(parts))]), context

    def _question(
        self, text: str, found: Focus, context: Context, lang: Lang | None, audience: Audience
    ) -> tuple[Answer, Context]:
        """The answer to the question of a message (`found`), and the conversation's context after it."""
        u = self.understander.read(found.question, lang or context.lang)
        # A question naming nothing specific ('when did PPS export KONEPS to us?') is about what the sentences
        # before it name ('My country is Mongolia.').
        names_nothing = all(e in self.ranker.generic for e in u.entity_ids)
        if found.context and names_nothing and len(text) <= SHORT:
            u = self.understander.read(text, lang or context.lang)  # "키르기스스탄 MOU. 언제야?" is one question
        elif found.context and not u.entity_ids:
            # A long message's question may name nothing; the sentences before it say what it is about.
            named = self._named_in(found.context, u.lang)
            context = context.evolve(entities=named) if named else context
        lang = lang or (context.lang if context.lang_pinned else None) or u.lang
        case = self._case(u, lang, audience, context, found.question)
        taught = self.learned.match(found.question)
        # A curator's teaching stands as taught; anything else is checked against the whole question.
        if taught and visible(taught, audience):
            answer = case.compose.facts_answer([taught], TAUGHT, taught.about)
        else:
            answer = checked(decide(case, self), u, self.kb)
        if found.cut:
            answer = replace(answer, body=(*answer.body, Block("note", self.kb.message("too_long", lang))))
        new_context = context.evolve(lang=lang)
        if answer.matched and answer.kind == "answer":
            new_context = new_context.evolve(
                entities=answer.entities or case.entities,
                intent=case.intent,
                topics=case.topics,
                cues=case.ask.cues,
                facts=answer.facts,
                sources=tuple(s.id for s in answer.sources),
            )
        return answer, new_context

    def _case(self, u: Understanding, lang: Lang, audience: Audience, context: Context, asked: str) -> Case:
        """The question resolved in its conversation, with what answering it reads and the composer of its reply."""
        request = Resolver(self, u, lang, audience, context).request(asked)
        compose = Composer(
            self.kb,
            self.details,
            self.ranker.facts_about,
            self.default_contacts[lang],
            lang=lang,
            audience=audience,
            intent=request.ask.intent,
            asked=asked,
            diagnostics={
                "intents": [list(i) for i in u.intents[:3]],
                "topics": sorted(u.topics),
                "cues": sorted(u.cues),
                "operation": request.operation,
            },
        )
        return Case(request, context, self.kb, self.details, self.records, self.ranker, compose)

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
