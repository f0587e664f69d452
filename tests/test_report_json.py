"""`coopbot report --format json` is a contract (DESIGN.md): its keys, their order and their values stay as they
were when the report became typed dataclasses. A report built from a database with rows of every kind (each
reply kind, low and high confidence, a dismissed question, votes up and down with comments, rows before the
period, control characters in what people typed) is compared with tests/fixtures/report_built.json, the JSON
the dict-built report wrote for the same rows.

The fact base is the real one but for its facts: two facts of this file's own, so that the likely records do not
change as knowledge/ grows. When a change of the reader (bot/reading) regroups the questions on purpose, the
fixture is rewritten from the new output after checking that only the grouping moved."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.curation.report import build
from bot.curation.report_model import to_json
from bot.factbase.files import DEFAULT_DIR
from bot.factbase.loading import load
from bot.factbase.model import KnowledgeBase
from bot.serving.convlog import INSERT
from bot.serving.database import Database

BUILT = Path(__file__).parent / "fixtures" / "report_built.json"
FACTS = """\
facts:
  - id: vietnam-koneps-export
    about: [vietnam, koneps]
    type: export
    asks: [when, overview]
    topics: [export]
    date: 2008
    status: completed
    text: {ko: "나라장터는 2008년 베트남에 수출되었습니다.", en: "KONEPS was exported to Vietnam in 2008."}
    sources: [hankyung-2014-koneps-cameroon-jordan]
  - id: mongolia-koneps-export
    about: [mongolia, koneps]
    type: export
    asks: [when, overview]
    topics: [export]
    date: 2010
    status: completed
    text: {ko: "나라장터는 2010년 몽골에 수출되었습니다.", en: "KONEPS was exported to Mongolia in 2010."}
    sources: [hankyung-2014-koneps-cameroon-jordan]
"""
VIETNAM, MONGOLIA = "vietnam-koneps-export", "mongolia-koneps-export"


def at(when: str) -> float:
    return datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp()


SINCE, NOW = at("2026-11-17T00:00:00"), at("2026-11-24T09:00:00")
DISMISSED = "Tell me a joke about tenders"
# (ref, when, surface, lang, kind, intent, entities, facts, confidence, text)
ROWS = (
    ("q00", "2026-11-10T09:00", "telegram", "en", "fallback", None, (), (), 0.0, "Before the period: left out"),
    ("q01", "2026-11-17T08:00", "telegram", "en", "answer", "when", ("vietnam", "koneps"), (VIETNAM,), 0.93,
     "When was KONEPS exported to Vietnam?"),
    ("q02", "2026-11-17T09:30", "slack", "ko", "answer", "when", ("mongolia", "koneps"), (MONGOLIA,), 0.88,
     "몽골에는 나라장터를 언제 수출했어?"),
    ("q03", "2026-11-18T10:00", "telegram", "en", "fallback", None, (), (), 0.0, "How many trainees came from Peru?"),
    ("q04", "2026-11-18T11:00", "slack", "ko", "fallback", None, (), (), 0.0, "페루 연수생은 몇 명이었나요?"),
    ("q05", "2026-11-19T07:15", "telegram", "en", "unknown", None, (), (), 0.0, "peru trainees how many"),
    ("q06", "2026-11-19T08:00", "console", "en", "clarify", "how_many", (), (), 0.2,
     "How many officials from Peru were trained?"),
    ("q07", "2026-11-20T12:00", "telegram", "en", "fallback", None, (), (), 0.0, "Peru training 2019 participants?"),
    ("q08", "2026-11-20T13:00", "slack", "en", "fallback", None, (), (), 0.0, "How many trainees came from Peru?"),
    ("q09", "2026-11-22T09:00", "telegram", "ko", "fallback", None, (), (), 0.0, "페루 연수 인원?"),
    ("q10", "2026-11-18T15:00", "slack", "en", "unknown", None, (), (), 0.0, "Does PPS have an MoU with Kenya?"),
    ("q11", "2026-11-19T16:00", "telegram", "en", "fallback", None, (), (), 0.0, "Kenya MoU signed?"),
    ("q12", "2026-11-20T09:00", "telegram", "en", "fallback", None, (), (), 0.0,
     "what is the adoption rate of e-procurement"),
    ("q13", "2026-11-22T10:00", "console", "en", "fallback", None, (), (), 0.0, "e-procurement adoption rate?"),
    ("q14", "2026-11-23T08:00", "slack", "ko", "fallback", None, (), (), 0.0, "조달청 담당자 연락처 알려주세요"),
    ("q15", "2026-11-23T09:00", "telegram", "en", "fallback", None, (), (), 0.0, DISMISSED),
    ("q16", "2026-11-18T09:00", "telegram", "en", "answer", "what", ("koneps",), (VIETNAM, MONGOLIA), 0.42,
     "Which countries use KONEPS today?"),
    ("q17", "2026-11-19T11:00", "ask", "ko", "answer", "when", ("mongolia",), (MONGOLIA,), 0.55,
     "몽골 나라장터 도입 연도"),
    ("q18", "2026-11-20T14:00", "console", "en", "answer", "what", ("koneps",), (VIETNAM,), 0.3333,
     "\x1b[2JWhat is \u202ekoneps?\x07 and\nwho\truns it"),
    ("q19", "2026-11-22T11:00", "telegram", "en", "answer", "when", ("vietnam",), (VIETNAM,), 0.6,
     "When did Vietnam get KONEPS?"),
    ("q20", "2026-11-22T12:00", "slack", "en", "smalltalk", None, (), (), 1.0, "hello"),
    ("q21", "2026-11-23T12:00", "telegram", "ko", "error", None, (), (), 0.0, "베트남 나라장터"),
    ("q22", "2026-11-23T13:00", "telegram", "en", "fallback", None, (), (), 0.0, "Vietnam contract\tamount <b>?</b>"),
)  # fmt: skip
# (ref, person, vote, comment, when)
VOTES = (
    ("q01", "p1", -1, "I wanted the contract amount", "2026-11-17T08:05"),
    ("q01", "p2", -1, "\x1b]52;c;ZXZpbA==\x07also the year", "2026-11-18T08:05"),
    ("q01", "p3", 1, None, "2026-11-18T09:05"),
    ("q02", "p1", -1, None, "2026-11-19T10:00"),
    ("q16", "p4", 1, None, "2026-11-19T10:00"),
    ("q19", "p5", -1, "voted before the period", "2026-11-10T10:00"),
)


def seeded_knowledge(directory: Path) -> KnowledgeBase:
    """The real fact base with this file's two facts in place of its own."""
    shutil.copytree(DEFAULT_DIR, directory)
    for facts in directory.glob("facts*.yaml"):
        facts.unlink()
    (directory / "facts-report.yaml").write_text(FACTS, encoding="utf-8")
    return load(directory)


def seeded_database(path: Path) -> Database:
    """A database holding ROWS, VOTES and the one dismissed question."""
    db = Database(path)
    db.write(
        INSERT,  # in the order of COLUMNS
        [
            (ref, at(when), surface, "public", f"person-{ref}", f"chat-{ref}", text, lang, kind, intent,
             json.dumps(entities), json.dumps(facts), confidence, 0.0, 1)
            for ref, when, surface, lang, kind, intent, entities, facts, confidence, text in ROWS
        ],
    )  # fmt: skip
    db.write(
        "INSERT INTO feedback (ref, person, vote, comment, at) VALUES (?, ?, ?, ?, ?)",
        [(ref, person, vote, comment, at(when)) for ref, person, vote, comment, when in VOTES],
    )
    db.write("INSERT INTO dismissed (question, by, at) VALUES (?, ?, ?)", [(DISMISSED, "curator", NOW)])
    return db


def test_the_json_of_a_report_is_as_it_was_key_for_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = seeded_knowledge(tmp_path / "knowledge")
    monkeypatch.chdir(tmp_path)  # the report names the database as it was given: here, without the test's path
    report = build(seeded_database(Path("coopbot.sqlite3")), kb, SINCE, now=NOW)
    assert to_json(report) + "\n" == BUILT.read_text(encoding="utf-8")
