"""Ways of asking that curators teach (knowledge/learned.yaml), and how `coopbot report` groups what was not
answered."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot import Coopbot
from bot.answering.learned import LEARNED_FILE
from bot.curation.clusters import alike, clusters, signature
from bot.curation.teaching import teach
from bot.factbase.loading import KnowledgeError, load
from bot.factbase.model import KnowledgeBase
from bot.reading.understand import Understander
from bot.serving.convlog import Question


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


def test_a_teaching_of_a_fact_that_does_not_exist_is_refused_with_the_loaders_problem(knowledge_copy: Path) -> None:
    with pytest.raises(KnowledgeError) as caught:
        teach(knowledge_copy, "no-such-fact", ["Anything?"], by="c0ffee")
    [problem] = caught.value.problems
    assert str(problem).startswith("knowledge/learned.yaml:4: learned.fact:") and "no-such-fact" in str(problem)
    assert not (knowledge_copy / LEARNED_FILE).exists()


def test_a_hand_edited_learned_file_naming_no_fact_is_a_problem_with_its_line(knowledge_copy: Path) -> None:
    (knowledge_copy / LEARNED_FILE).write_text(
        "learned:\n  - fact: no-such-fact\n    questions: [Anything?]\n    by: c0ffee\n    at: '2025-01-01'\n"
    )
    with pytest.raises(KnowledgeError) as caught:
        load(knowledge_copy)
    [problem] = caught.value.problems
    assert str(problem).startswith("knowledge/learned.yaml:2: learned.fact:") and "no-such-fact" in str(problem)


def test_a_teaching_is_refused_when_the_learned_file_is_already_broken_and_the_file_is_left_alone(
    knowledge_copy: Path,
) -> None:
    broken = "learned: [\n"
    (knowledge_copy / LEARNED_FILE).write_text(broken)
    with pytest.raises(KnowledgeError) as caught:
        teach(knowledge_copy, load_facts(knowledge_copy)[0], ["Peru trainees?"], by="c0ffee")
    assert all(p.file == "knowledge/learned.yaml" and p.field == "yaml" for p in caught.value.problems)
    assert (knowledge_copy / LEARNED_FILE).read_text() == broken


def test_control_characters_and_line_breaks_are_written_as_spaces_on_one_line(knowledge_copy: Path) -> None:
    fact = load_facts(knowledge_copy)[0]
    teach(knowledge_copy, fact, ["How many\x00 trainees\r\ncame from\x1b[31m Peru?\ud800"], by="c0ffee")
    [taught] = load(knowledge_copy).learned
    assert taught.question == "How many trainees came from [31m Peru?"
    assert "\\x" not in (knowledge_copy / LEARNED_FILE).read_text(encoding="utf-8")  # no escapes: readable


def test_questions_that_are_only_punctuation_or_blank_are_not_written(knowledge_copy: Path) -> None:
    fact = load_facts(knowledge_copy)[0]
    teach(knowledge_copy, fact, ["???", "   ", "Peru trainees?"], by="c0ffee")
    assert [t.question for t in load(knowledge_copy).learned] == ["Peru trainees?"]


def test_a_question_taught_again_for_the_same_fact_is_not_written_twice(knowledge_copy: Path) -> None:
    fact = load_facts(knowledge_copy)[0]
    teach(knowledge_copy, fact, ["Peru trainees?"], by="c0ffee")
    before = (knowledge_copy / LEARNED_FILE).read_text(encoding="utf-8")
    teach(knowledge_copy, fact, ["peru trainees", "Peru trainees?"], by="beef")
    assert (knowledge_copy / LEARNED_FILE).read_text(encoding="utf-8") == before


def test_a_question_taught_for_another_fact_moves_to_it_and_is_written_once(knowledge_copy: Path) -> None:
    first, second = load_facts(knowledge_copy)[:2]
    teach(knowledge_copy, first, ["Peru trainees?", "Chile trainees?"], by="c0ffee")
    teach(knowledge_copy, second, ["peru trainees"], by="beef")
    taught = {(t.question, t.fact) for t in load(knowledge_copy).learned}
    assert taught == {("Chile trainees?", first), ("peru trainees", second)}
    assert Coopbot.from_dir(knowledge_copy).ask("Peru trainees?").facts[:1] == (second,)


def test_two_processes_teaching_at_once_keep_every_teaching(knowledge_copy: Path) -> None:
    fact = load_facts(knowledge_copy)[0]
    go = knowledge_copy.parent / "go"
    teachers = [
        subprocess.Popen(
            [sys.executable, "-c", TEACHER, str(knowledge_copy), fact, who, str(go)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for who in ("a", "b")
    ]
    for teacher in teachers:  # both have imported everything and wait
        assert teacher.stdout is not None and teacher.stdout.readline() == "ready\n"
    go.touch()
    assert [teacher.wait(timeout=240) for teacher in teachers] == [0, 0]
    taught = [t.question for t in load(knowledge_copy).learned]
    assert sorted(taught) == sorted(f"question {who} number {n}?" for who in ("a", "b") for n in range(TEACHINGS))
    assert leftovers(knowledge_copy) == []


TEACHINGS = 50  # each of two processes
REPO = Path(__file__).resolve().parent.parent
TEACHER = f"""
import sys, time
from pathlib import Path
from bot.curation.teaching import teach

directory, fact, who, go = Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
for n in range({TEACHINGS}):
    teach(directory, fact, [f"question {{who}} number {{n}}?"], by=who)
"""


def leftovers(directory: Path) -> list[str]:
    """What a teaching left in the fact base besides learned.yaml and its lock file."""
    original = set(os.listdir(Path(__file__).resolve().parent.parent / "knowledge"))
    return sorted(set(os.listdir(directory)) - original - {LEARNED_FILE, ".learned.lock"})


def test_a_teaching_that_fails_before_the_replace_leaves_the_old_file_and_nothing_else(
    knowledge_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fact = load_facts(knowledge_copy)[0]
    teach(knowledge_copy, fact, ["Peru trainees?"], by="c0ffee")
    before = (knowledge_copy / LEARNED_FILE).read_bytes()

    def no_space_left(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space_left)
    with pytest.raises(OSError, match="No space left"):
        teach(knowledge_copy, fact, ["Chile trainees?"], by="c0ffee")
    assert (knowledge_copy / LEARNED_FILE).read_bytes() == before
    assert leftovers(knowledge_copy) == []


def test_a_teaching_killed_mid_write_leaves_the_old_valid_file_and_its_leftover_is_never_read(
    knowledge_copy: Path,
) -> None:
    fact = load_facts(knowledge_copy)[0]
    teach(knowledge_copy, fact, ["Peru trainees?"], by="c0ffee")
    before = (knowledge_copy / LEARNED_FILE).read_bytes()
    killed = subprocess.run([sys.executable, "-c", KILLED, str(knowledge_copy), fact], cwd=REPO, timeout=60)
    assert killed.returncode == 9
    assert (knowledge_copy / LEARNED_FILE).read_bytes() == before
    [left] = leftovers(knowledge_copy)  # the temporary file of the write that never finished...
    assert left.startswith(".learned-") and left.endswith(".tmp")
    assert [t.question for t in load(knowledge_copy).learned] == ["Peru trainees?"]  # ...is not read
    teach(knowledge_copy, fact, ["Chile trainees?"], by="c0ffee")
    assert leftovers(knowledge_copy) == []  # and the next teaching removes it


KILLED = """
import os, sys
from pathlib import Path
from bot.curation.teaching import teach

os.replace = lambda *args: os._exit(9)  # the process dies between writing the new file and putting it in place
teach(Path(sys.argv[1]), sys.argv[2], ["Chile trainees?"], by="c0ffee")
"""


def load_facts(directory: Path) -> list[str]:
    return [f.id for f in load(directory).facts]


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
