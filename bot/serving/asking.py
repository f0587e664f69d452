"""The per-question policy: what happens around the core for each message a surface takes, written once.

A surface turns a platform's message into a `Question` and opens a `Turn` on it: the turn binds a
correlation id to every log line, runs the question through the middleware (in the style of Bolt's,
`process(question, next)`), then hears how delivery went. In order:

- `Limited`: the per-person limit; the first question over it gets the curated refusal, later ones nothing;
- `Late`: a reply to a question that waited longer than `late_after` opens with an apology;
- `Recorded`: the conversation log keeps the question (the person as a keyed hash) and names its answer
  (`Answer.ref`), so feedback on it can be kept;
- `Counted`: the questions and the core's time per kind and language (metrics);

and at the end the core: `Coopbot.command` for a command of the table, else `Coopbot.ask`. After delivery
the turn observes the time from the platform's message to the reply and writes the one `answered` line.
The core itself touches neither the log, the metrics, the limit nor a platform.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Protocol

from bot.core import Coopbot
from bot.factbase.model import Audience, Lang
from bot.serving.convlog import Recorder
from bot.serving.limits import Admission, Limit
from bot.serving.logs import bind, new_correlation, question_done
from bot.serving.metrics import Metrics
from bot.showing.answer import Answer

log = logging.getLogger("coopbot.asking")


@dataclass(frozen=True, slots=True)
class Question:
    """One message to answer, as a surface took it."""

    text: str
    surface: str
    session: str | None = None
    person: str | None = None  # the platform's id of who asked (`tg:123`): logged only as a keyed hash
    audience: Audience = "public"
    lang: Lang | None = None  # a language the reply must be in (a setting), else the question's own
    asked_at: float | None = None  # when the person sent it, Unix time by the platform's clock
    command: tuple[str, str] | None = None  # a command of the table (bot/commands.py) and its argument

    @property
    def asks(self) -> bool:
        """Whether this asks the core something (not a command, not an empty message): it is logged and counted."""
        return self.command is None and bool(self.text.strip())


Next = Callable[[Question], Answer | None]


class Middleware(Protocol):
    def process(self, question: Question, next: Next) -> Answer | None:
        """The answer to `question`, from `next` or instead of it; None when nothing is to be sent."""
        ...


class Limited:
    """The per-person limit (bot/serving/limits.py), for questions and every other interaction alike."""

    def __init__(self, bot: Coopbot, limit: Limit, metrics: Metrics) -> None:
        self.bot, self.limit, self.metrics = bot, limit, metrics

    def admit(self, surface: str, person: str | None) -> Admission:
        verdict = self.limit.admit(person)
        if verdict is not Admission.ANSWER:
            self.metrics.rate_limited.labels(surface).inc()
        return verdict

    def process(self, question: Question, next: Next) -> Answer | None:
        verdict = self.admit(question.surface, question.person)
        if verdict is Admission.ANSWER:
            return next(question)
        if verdict is Admission.REFUSE:  # the first over the limit is told, once a window
            return self.bot.notice(
                "too_many", question.lang or self.bot.detect_language(question.text, question.session)
            )
        return None


class Late:
    """An apology opens the reply to a question that waited (the bot was down or busy) longer than `after`."""

    def __init__(self, bot: Coopbot, after: float, clock: Callable[[], float] = time.time) -> None:
        self.bot, self.after, self.clock = bot, after, clock

    def process(self, question: Question, next: Next) -> Answer | None:
        answer = next(question)
        if answer is not None and question.asked_at is not None and self.clock() - question.asked_at > self.after:
            return self.bot.late(answer)
        return answer


class Recorded:
    """The conversation log keeps each question asked (not commands) and names its answer for feedback."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def process(self, question: Question, next: Next) -> Answer | None:
        started = time.perf_counter()
        answer = next(question)
        if answer is None or not question.asks:
            return answer
        took = (time.perf_counter() - started) * 1000
        ref = self.recorder.record(answer, question.text, question.person, question.session, took, question.surface)
        return replace(answer, ref=ref)


class Counted:
    """Questions answered by kind and language, and the core's time for each (Prometheus, bot/serving/metrics)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def process(self, question: Question, next: Next) -> Answer | None:
        started = time.perf_counter()
        answer = next(question)
        if answer is None or not question.asks:
            return answer
        self.metrics.questions.labels(question.surface, answer.kind, answer.language).inc()
        self.metrics.answer_seconds.labels(question.surface).observe(time.perf_counter() - started)
        return answer


class Asking:
    """A policy: its middleware over the core. `turn(question)` for each message a surface takes; `run` alone
    where nothing is delivered (`coopbot ask` with a database). `metrics` times replies; `limited` is the
    per-person limit the surface also applies to what is not a question."""

    def __init__(
        self,
        bot: Coopbot,
        middleware: Sequence[Middleware],
        metrics: Metrics | None = None,
        limited: Limited | None = None,
    ) -> None:
        self.bot, self.middleware, self.metrics, self.limited = bot, tuple(middleware), metrics, limited

    def turn(self, question: Question) -> Turn:
        return Turn(self, question)

    def admit(self, surface: str, person: str | None) -> Admission:
        """The per-person limit for an interaction that is not a question (a button, a comment)."""
        return self.limited.admit(surface, person) if self.limited else Admission.ANSWER

    def run(self, question: Question) -> Answer | None:
        def step(n: int, asked: Question) -> Answer | None:
            if n == len(self.middleware):
                return self.core(asked)
            return self.middleware[n].process(asked, lambda later: step(n + 1, later))

        return step(0, question)

    def core(self, question: Question) -> Answer:
        if question.command is not None:
            name, argument = question.command
            lang = question.lang or self.bot.detect_language(question.text, question.session)
            return self.bot.command(name, argument, lang=lang, session=question.session, audience=question.audience)
        return self.bot.ask(question.text, session=question.session, lang=question.lang, audience=question.audience)


class Turn:
    """One question's passage through the policy, as a `with` block: every line logged inside carries its
    correlation id; `answer()` runs the middleware; `delivered(outcome)` closes it once the surface sent."""

    def __init__(self, asking: Asking, question: Question) -> None:
        self.asking, self.question = asking, question
        self.reply: Answer | None = None
        self._binding = contextlib.ExitStack()
        self._started = 0.0

    def __enter__(self) -> Turn:
        self._binding.enter_context(bind(correlation=new_correlation(), surface=self.question.surface))
        self._started = time.monotonic()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._binding.close()

    def answer(self) -> Answer | None:
        """The reply to send, or None when there is none (over the limit, told already)."""
        self.reply = self.asking.run(self.question)
        return self.reply

    def delivered(self, outcome: str) -> None:
        """How the reply went (`sent`, `possible loss`, `not delivered`): the time from the person's message to a
        reply that was sent, and the one `answered` line."""
        asked_at, reply = self.question.asked_at, self.reply
        if outcome == "sent" and asked_at is not None and self.asking.metrics is not None:
            self.asking.metrics.reply_seconds.labels(self.question.surface).observe(max(0.0, time.time() - asked_at))
        if reply is None or self.question.command is not None:  # commands get no `answered` line
            return
        took = (time.monotonic() - self._started) * 1000
        question_done(
            log, surface=self.question.surface, latency_ms=took, outcome=outcome, kind=reply.kind, lang=reply.language
        )


def asking(bot: Coopbot, metrics: Metrics, limit: Limit, late_after: float, recorder: Recorder | None = None) -> Asking:
    """The policy every surface goes through: limit, lateness, the conversation log (when one is kept), metrics."""
    limited = Limited(bot, limit, metrics)
    middleware: list[Middleware] = [limited, Late(bot, late_after)]
    if recorder is not None:
        middleware.append(Recorded(recorder))
    middleware.append(Counted(metrics))
    return Asking(bot, middleware, metrics, limited)
