"""Asking as serving asks, for tests of what is kept: the core through the policy's conversation log."""

from __future__ import annotations

from collections.abc import Callable

from bot.core import Coopbot
from bot.serving.asking import Asking, Question, Recorded
from bot.serving.convlog import Recorder
from bot.showing.answer import Answer

Ask = Callable[..., Answer]


def logging_asker(bot: Coopbot, recorder: Recorder, surface: str = "test") -> Ask:
    """`ask(text, session=None, person=None)`: the answer, its question kept in the conversation log."""
    policy = Asking(bot, [Recorded(recorder)])

    def ask(text: str, session: str | None = None, person: str | None = None) -> Answer:
        answer = policy.run(Question(text, surface, session=session, person=person))
        assert answer is not None
        return answer

    return ask
