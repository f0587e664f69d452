"""The per-question policy (bot/serving/asking.py): what every surface's questions go through, once — the
limit, a late reply's apology, the conversation log, metrics, the correlation id and the `answered` line."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from bot import Coopbot, Metrics, UserLimit
from bot.factbase.model import KnowledgeBase
from bot.serving.asking import Asking, Question, asking
from bot.serving.convlog import DatabaseConversationLog, Hasher, Recorder
from bot.serving.database import Database
from bot.serving.logs import bound

QUESTION = "What year did Vietnam get KONEPS?"


def policy(kb: KnowledgeBase, per_minute: int = 0, recorder: Recorder | None = None) -> tuple[Asking, Metrics]:
    metrics = Metrics()
    return asking(Coopbot(kb), metrics, UserLimit(per_minute), 120.0, recorder), metrics


def test_a_question_gets_the_cores_answer(kb: KnowledgeBase) -> None:
    asked, _ = policy(kb)
    answer = asked.run(Question(QUESTION, "test", session="s"))
    assert answer is not None and "2008" in str(answer.body)


def test_the_first_question_over_the_limit_is_told_so_and_later_ones_get_nothing(kb: KnowledgeBase) -> None:
    asked, metrics = policy(kb, per_minute=1)
    replies = [asked.run(Question(QUESTION, "test", person="p")) for _ in range(3)]
    assert replies[0] is not None and replies[0].kind == "answer"
    assert replies[1] is not None and str(replies[1].body[0].text) == kb.message("too_many", "en")
    assert replies[2] is None
    assert b'coopbot_rate_limited_questions_total{surface="test"} 2.0' in metrics.exposition()


def test_a_reply_to_a_question_that_waited_opens_with_the_apology(kb: KnowledgeBase) -> None:
    asked, _ = policy(kb)
    late = asked.run(Question(QUESTION, "test", asked_at=time.time() - 600))
    on_time = asked.run(Question(QUESTION, "test", asked_at=time.time()))
    assert late is not None and late.preface == kb.message("late_reply", "en")
    assert on_time is not None and on_time.preface == ""


def test_a_question_is_logged_and_its_answer_named_but_a_command_is_not(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = Database(path)
    log = DatabaseConversationLog(db)
    asked, _ = policy(kb, recorder=Recorder(log, Hasher.beside(path)))
    answer = asked.run(Question(QUESTION, "test", session="s", person="p"))
    command = asked.run(Question("/help", "test", session="s", command=("help", "")))
    log.flush()
    assert answer is not None and answer.ref is not None
    assert command is not None and command.ref is None
    assert db.read("SELECT text, surface FROM questions") == [(QUESTION, "test")]
    log.close()


def test_questions_are_counted_by_surface_kind_and_language(kb: KnowledgeBase) -> None:
    asked, metrics = policy(kb)
    asked.run(Question(QUESTION, "telegram"))
    exposition = metrics.exposition()
    assert b'coopbot_questions_total{kind="answer",lang="en",surface="telegram"} 1.0' in exposition
    assert b'coopbot_answer_seconds_count{surface="telegram"} 1.0' in exposition


def test_a_turn_binds_a_correlation_id_and_ends_with_one_answered_line(
    kb: KnowledgeBase, caplog: pytest.LogCaptureFixture
) -> None:
    asked, metrics = policy(kb)
    with (
        caplog.at_level(logging.INFO, "coopbot.asking"),
        asked.turn(Question(QUESTION, "slack", asked_at=time.time())) as turn,
    ):
        assert bound()["correlation"] and bound()["surface"] == "slack"
        turn.answer()
        turn.delivered("sent")
    assert "correlation" not in bound()
    [line] = [r for r in caplog.records if r.name == "coopbot.asking"]
    assert line.getMessage() == "answered" and line.__dict__["outcome"] == "sent"
    assert b'coopbot_update_to_reply_seconds_count{surface="slack"} 1.0' in metrics.exposition()
