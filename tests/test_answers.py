"""What the bot answers to every question of the project's own set, as the public and as staff, is what
tests/eval/answers.jsonl records. A change to the code that is not meant to change an answer (a refactoring,
a faster index) keeps every one byte for byte; one that is meant to records them again with
`coopbot eval --record` (`make answers`), and the file's diff names each question whose answer changed."""

from __future__ import annotations

from bot import Coopbot
from bot.commandline.evaluate import OWN_CASES, RECORDED, load_cases, recorded_answers
from bot.factbase.model import KnowledgeBase


def test_every_question_of_the_project_gets_the_answer_recorded_for_it(kb: KnowledgeBase) -> None:
    recorded = RECORDED.read_text(encoding="utf-8").splitlines()
    answered = recorded_answers(Coopbot(kb), load_cases(OWN_CASES))
    changed = [now for before, now in zip(recorded, answered, strict=False) if before != now]
    assert len(answered) == len(recorded), "the question set changed: run `make answers` and review the diff"
    assert changed == [], f"{len(changed)} answer(s) changed, the first: {changed[:3]}"
