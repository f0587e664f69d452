"""Ways of asking that curators teach (knowledge/learned.yaml), and how `coopbot report` groups what was not
answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import Coopbot
from bot.convlog import Question
from bot.knowledge import KnowledgeError, load
from bot.learned import LEARNED_FILE, teach
from bot.model import KnowledgeBase
from bot.report import alike, clusters, signature
from bot.understand import Understander


def test_a_taught_question_and_its_near_misses_get_the_fact(knowledge_copy: Path) -> None:
    fact = load(knowledge_copy).facts[0]
    teach(knowledge_copy, fact.id, ["How many trainees came from Peru?"], by="c0ffee")
    bot = Coopbot.from_dir(knowledge_copy)
    for asked in (
        "How many trainees came from Peru?",
        "how many trainees came from peru",
        "How many trainess came from Peru",
    ):
        assert bot.ask(asked).facts[:1] == (fact.id,), asked
    assert fact.id not in bot.ask("How many trainees came from Chile?").facts


def test_the_learned_file_is_readable_yaml_with_who_and_when(knowledge_copy: Path) -> None:
    fact = load(knowledge_copy).facts[0]
    teach(knowledge_copy, fact.id, ["페루 연수생은 몇 명?"], by="c0ffee")
    teach(knowledge_copy, fact.id, ["Peru trainees?"], by="beef")
    text = (knowledge_copy / LEARNED_FILE).read_text(encoding="utf-8")
    assert text.startswith("# Ways of asking taught by curators") and "페루 연수생은 몇 명?" in text
    assert [t.by for t in load(knowledge_copy).learned] == ["c0ffee", "beef"]


def test_a_teaching_of_a_fact_that_does_not_exist_is_a_problem_with_its_line(knowledge_copy: Path) -> None:
    teach(knowledge_copy, "no-such-fact", ["Anything?"], by="c0ffee")
    with pytest.raises(KnowledgeError) as caught:
        load(knowledge_copy)
    [problem] = caught.value.problems
    assert str(problem).startswith("knowledge/learned.yaml:4: learned.fact:") and "no-such-fact" in str(problem)


def row(text: str, lang: str = "en") -> Question:
    return Question("r", 0.0, "s", "public", "", "", text, lang, "unknown")


def test_questions_naming_the_same_thing_in_either_language_are_alike(kb: KnowledgeBase) -> None:
    reader = Understander(kb)
    assert alike(
        signature(reader, row("How many trainees came from Peru?")), signature(reader, row("페루 연수생은?", "ko"))
    )


def test_questions_naming_one_thing_on_different_topics_are_apart(kb: KnowledgeBase) -> None:
    reader = Understander(kb)
    budget, trainees = (
        signature(reader, row("What was the budget for Ghana?")),
        signature(reader, row("가나 연수생은 몇 명?", "ko")),
    )
    assert not alike(budget, trainees)


def test_clusters_come_largest_first(kb: KnowledgeBase) -> None:
    asked = [
        ("weather in Seoul?", "en"),
        ("Peru trainees?", "en"),
        ("what's the weather in seoul", "en"),
        ("페루 연수생?", "ko"),
        ("Peru trainees how many", "en"),
    ]
    questions = [row(text, lang) for text, lang in asked]
    assert [len(group) for group in clusters(Understander(kb), questions)] == [3, 2]
