"""Answering a question that names nothing: the one record that uses most of its own words, or that matches
its topics and intent, if one clearly does; asking back when it could be several; the fallback when it is
not a question about the cooperation at all."""

from __future__ import annotations

from itertools import chain, islice, takewhile

from bot.answering.about_named import AboutNamed
from bot.answering.case import Case
from bot.answering.confidence import NEAREST, WORDS_ONLY
from bot.factbase.model import visible
from bot.showing.answer import Answer

LEXICAL_MIN = 2  # question words a record must use to answer a question that names nothing


class WithoutNames:
    """The answer of one turn whose question names nothing."""

    def __init__(self, turn: Case) -> None:
        self.turn, self.u, self.kb, self.compose, self.ranker = turn, turn.u, turn.kb, turn.compose, turn.ranker

    def answer(self) -> Answer:
        """The record the question's own words or topics point to, if one clearly does; else ask back, or say
        it is not a question for this desk."""
        if self.turn.intent == "source":
            return self.compose.about()
        found = self.by_words()
        if found:
            return found
        if self.turn.off_topic():
            return self.compose.fallback()
        if self.turn.intent and not self.turn.topics:
            # "When?" alone is a question about something unsaid: ask back. "How's the weather?" is not ours.
            return (
                self.compose.fallback()
                if self.u.unexplained
                else self.compose.clarify(self.kb.examples[self.turn.lang][:3])
            )
        return self.topical() or self.compose.fallback()

    def by_words(self) -> Answer | None:
        """No name given, but the question's own words are a record's ('로봇기술 기반 재활 제품은 어디서 실증해?'):
        the one record that uses most of them, at least LEXICAL_MIN; none when two use as many."""
        ask = self.turn.ask
        if len(ask.words) < LEXICAL_MIN:
            return None
        hits = self.ranker.word_hits(ask)
        visible_hits = [(at, n) for at, n in hits.items() if visible(self.kb.facts[at], self.turn.audience)]
        most = max((n for _, n in visible_hits), default=0)
        best = sorted(at for at, n in visible_hits if n == most)
        if most < LEXICAL_MIN or len(best) > 1:
            return None
        fact = self.kb.facts[best[0]]
        return self.compose.facts_answer([fact], WORDS_ONLY, fact.about[:1], ask.want)

    def topical(self) -> Answer | None:
        """No name given: a fact that matches the question's topics and intent, if one clearly does."""
        if not self.turn.topics:
            return None
        ask = self.turn.ask
        scored = self.ranker.topical(ask)
        first = next(scored, None)
        if first is None:
            return None
        best_score, best = first
        # Without a name, only a fact that matches every topic asked, and the detail asked, is sure enough.
        if len(self.turn.topics.intersection(best.topics)) < len(self.turn.topics) or (
            ask.want and not self.ranker.answers_fact(ask, best)
        ):
            return None
        # Another fact just as good about something else: the question did not say which one is meant.
        if "all" in self.u.cues:
            every = [f for s, f in chain([first], scored) if f.type == best.type and set(f.topics) >= self.turn.topics]
            return self.compose.facts_answer(every, NEAREST, [f.about[0] for f in every], ask.want)
        as_good = takewhile(lambda sf: sf[0] >= best_score, scored)
        runner_up = list(islice((f for _, f in as_good if (f.type, f.about[0]) != (best.type, best.about[0])), 2))
        if runner_up:
            return self.compose.clarify(tuple(self.compose.question_for(f) for f in [best, *runner_up]))
        return AboutNamed(self.turn).records_answer(ask, [best], NEAREST, best.about[:1])
