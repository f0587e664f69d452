"""The conversation log (bot/convlog.py): what is kept of each question, that odd text and a broken database
never stop an answer, that two processes lose nothing, and when `coopbot ask` keeps anything at all."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asked import Ask, logging_asker

from bot import Coopbot
from bot.factbase.model import KnowledgeBase
from bot.serving.convlog import (
    MAX_TEXT,
    DatabaseConversationLog,
    Hasher,
    Question,
    Recorder,
)
from bot.serving.database import MIGRATIONS, TYPES, Database

COOPBOT = Path(sys.executable).with_name("coopbot")


def logged_bot(kb: KnowledgeBase, path: Path, surface: str = "test") -> tuple[Ask, DatabaseConversationLog]:
    log = DatabaseConversationLog(Database(path))
    return logging_asker(Coopbot(kb), Recorder(log, Hasher.beside(path)), surface), log


def rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT surface, person, conversation, text, lang, kind, intent FROM questions").fetchall()


def test_a_question_is_logged_with_keyed_hashes_never_the_raw_ids(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    ask, log = logged_bot(kb, path, "telegram")
    answer = ask("What year did Vietnam get KONEPS?", session="tg:1001", person="tg:1001")
    log.close()
    [(surface, person, conversation, text, lang, kind, intent)] = rows(path)
    assert (surface, text, lang, kind, intent) == (
        "telegram",
        "What year did Vietnam get KONEPS?",
        "en",
        "answer",
        "when",
    )
    assert person and "1001" not in str(person) and "1001" not in str(conversation)
    assert answer.ref is not None and (path.parent / "db.sqlite3.key").stat().st_mode & 0o777 == 0o600


def test_odd_text_is_stored_safely(kb: KnowledgeBase, tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    ask, log = logged_bot(kb, path)
    for text in ("nul\x00byte", "lone \ud800 surrogate", "x" * 1_000_000, "<script>alert(1)</script>"):
        ask(text)
    log.close()
    texts = [r[3] for r in rows(path)]
    assert texts[0] == "nul\ufffdbyte" and texts[1] == "lone ? surrogate" and len(texts[2]) == MAX_TEXT
    assert texts[3] == "<script>alert(1)</script>"


def test_an_unwritable_database_costs_one_warning_and_no_answer(
    kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "db.sqlite3"
    ask, log = logged_bot(kb, path)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE questions")  # as broken as a database gets while the bot runs
    with caplog.at_level(logging.WARNING, logger="coopbot.log"):
        answers = [ask("What year did Vietnam get KONEPS?") for _ in range(5)]
        log.flush()
    assert all("2008" in a.title + str(a.body) for a in answers)
    assert len([r for r in caplog.records if r.name == "coopbot.log"]) == 1
    assert log.problem is not None and "cannot write the conversation log" in log.problem
    log.close()


def test_two_processes_writing_one_database_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    Database(path).close()
    script = (
        "import sys, time\n"
        "from bot.serving.convlog import Question, DatabaseConversationLog\n"
        "from bot.serving.database import Database\n"
        "log = DatabaseConversationLog(Database(sys.argv[1]))\n"
        "for n in range(300):\n"
        "    log.record(Question(f'{sys.argv[2]}{n}', time.time(), 's', 'public', '', '', 'q', 'en', 'fallback'))\n"
        "log.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    writers = [subprocess.Popen([sys.executable, "-c", script, str(path), name], env=env) for name in ("a", "b")]
    assert [w.wait(60) for w in writers] == [0, 0]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM questions").fetchone()[0] == 600


def test_a_first_release_database_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.executescript(MIGRATIONS[0].format(**TYPES["sqlite"]) + "; PRAGMA user_version=1;")
        conn.execute("INSERT INTO sessions VALUES ('tg:1', '{}', 0)")
    db = Database(path)
    assert db.version == len(MIGRATIONS) and db.read("SELECT session FROM sessions") == [("tg:1",)]
    assert db.read("SELECT count(*) FROM questions") == [(0,)]


def _ask(tmp_path: Path, *args: str, **env: str) -> None:
    command = [str(COOPBOT)] if COOPBOT.exists() else [sys.executable, "-m", "bot.commandline.cli"]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("COOPBOT_")} | env
    subprocess.run([*command, "ask", *args, "Peru?"], cwd=tmp_path, env=environ, check=True, capture_output=True)


def test_ask_keeps_nothing_unless_a_database_is_named(tmp_path: Path) -> None:
    _ask(tmp_path)
    assert not (tmp_path / "var").exists() and list(tmp_path.iterdir()) == []
    _ask(tmp_path, "--db", str(tmp_path / "named.sqlite3"))
    assert [r[3] for r in rows(tmp_path / "named.sqlite3")] == ["Peru?"]
    _ask(tmp_path, COOPBOT_DB=str(tmp_path / "env.sqlite3"), COOPBOT_LOG="off")
    assert rows(tmp_path / "env.sqlite3") == []


def test_questions_older_than_the_retention_are_pruned(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    log = DatabaseConversationLog(Database(path), days=1)
    log.record(Question("old", 1.0, "s", "public", "", "", "long ago", "en", "fallback"))
    log.record(Question("new", time.time(), "s", "public", "", "", "today", "en", "fallback"))
    log.close()
    assert [r[3] for r in rows(path)] == ["today"]


def test_the_report_says_what_is_wrong_with_a_database_it_cannot_write(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = Database(path, busy=0.1)
    assert db.problem() is None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the database
    try:
        assert "cannot be written" in str(db.problem())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
