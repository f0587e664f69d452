"""The curators' loop end to end: questions nobody answered, on Telegram and on Slack, become one cluster in
`coopbot report`; a curator teaches it from Slack and the next such question gets that fact without a
restart; a broken edit of knowledge/ leaves the old base serving and the curators' channel told."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml
from fakes.ports import free_port, wait_accepting
from fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, Workspace
from fakes.telegram_api import ALICE, FakeTelegram

from adapters import slack
from adapters import telegram as tg
from bot import Coopbot, Runtime, UserLimit
from bot.commandline import cli
from bot.curation.desk import Curation
from bot.factbase.loading import MAX_LEARNED_QUESTION
from bot.serving.convlog import DatabaseConversationLog, Hasher, Recorder
from bot.serving.database import Database
from bot.serving.inbox import DatabaseInbox
from bot.serving.watch import Watcher

COOPBOT = Path(sys.executable).with_name("coopbot")
CURATOR = "U_CURATOR"
PERU = [
    "How many trainees came from Peru?",  # asked on Telegram
    "페루 연수생은 몇 명이었나요?",
    "peru trainees how many",
    "How many officials from Peru were trained by PPS?",
]


@dataclass
class Desk:
    """Telegram and Slack served from one fact base directory, logging to one database."""

    knowledge: Path
    db_path: Path
    log: DatabaseConversationLog
    telegram_bot: Coopbot
    slack_bot: Coopbot
    slack: Workspace


@pytest.fixture
def desk(tmp_path: Path, knowledge_copy: Path, telegram: FakeTelegram, slack_api: FakeSlackApi) -> Iterator[Desk]:
    knowledge = knowledge_copy
    db_path = tmp_path / "coopbot.sqlite3"
    db, hasher = Database(db_path), Hasher.beside(db_path)
    log = DatabaseConversationLog(db)
    telegram_bot = Coopbot.from_dir(knowledge)
    slack_bot = Coopbot.from_dir(knowledge)
    stop = threading.Event()

    def runtime(bot: Coopbot) -> Runtime:
        curation = Curation(bot, db, hasher, frozenset({CURATOR}))
        return Runtime(
            inbox=DatabaseInbox(db), stop=stop, limit=UserLimit(0), curation=curation, recorder=Recorder(log, hasher)
        )

    port = free_port()
    slack_settings = slack.Settings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        api_url=slack_api.url,
        host="127.0.0.1",
        port=port,
        curator_channel="C_CURATORS",
    )
    tg_settings = tg.Settings(token=telegram.token, base_url=telegram.base_url)
    threads = [
        threading.Thread(target=slack.serve, args=(slack_bot, slack_settings, runtime(slack_bot)), daemon=True),
        threading.Thread(target=tg.serve, args=(telegram_bot, tg_settings, runtime(telegram_bot)), daemon=True),
    ]
    for thread in threads:
        thread.start()
    wait_accepting(port)
    try:
        yield Desk(
            knowledge,
            db_path,
            log,
            telegram_bot,
            slack_bot,
            Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api),
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(15)
        log.close()


def report_json(desk: Desk) -> dict[str, Any]:
    desk.log.flush()
    command = [str(COOPBOT)] if COOPBOT.exists() else [sys.executable, "-m", "bot.commandline.cli"]
    run = subprocess.run(
        [*command, "report", "--db", str(desk.db_path), "--knowledge", str(desk.knowledge), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(run.stdout)


def ask_everywhere(desk: Desk, telegram: FakeTelegram, slack_api: FakeSlackApi) -> None:
    telegram.say(PERU[0])
    telegram.wait_replies(ALICE["id"])
    for n, question in enumerate(PERU[1:]):
        channel = f"D_PERU{n}"
        desk.slack.dm(question, channel, user=f"U_ASKER{n}")
        slack_api.wait_for("chat.postMessage", channel=channel)


def test_unanswered_questions_from_telegram_and_slack_are_one_cluster_in_the_report(
    desk: Desk, telegram: FakeTelegram, slack_api: FakeSlackApi
) -> None:
    ask_everywhere(desk, telegram, slack_api)
    report = report_json(desk)
    [largest, *_] = report["unanswered"]
    assert largest["count"] == 4 and sorted(largest["examples"]) == sorted(PERU)
    assert largest["lang"] == "mixed" and largest["likely"]["name"] == "Peru"
    assert {"unanswered", "feedback", "low_confidence", "usage"} <= report.keys()
    surfaces = {entry["surface"] for entry in report["usage"]["by_day"]}
    assert surfaces == {"telegram", "slack"}


def test_a_curator_teaches_a_cluster_from_slack_and_it_is_answered_without_a_restart(
    desk: Desk, telegram: FakeTelegram, slack_api: FakeSlackApi
) -> None:
    ask_everywhere(desk, telegram, slack_api)
    desk.log.flush()
    _, url_id = desk.slack.slash("report", "C_CURATION", user=CURATOR)
    [shown] = slack_api.wait_for("response_url", url_id=url_id)
    block = next(b for b in shown.blocks if b["type"] == "actions" and b["block_id"].startswith("cluster:"))
    menu = next(e for e in block["elements"] if e["type"] == "static_select")
    option = menu["options"][0]
    _, taught_id = desk.slack.select(
        menu, option, block["block_id"], {"type": "message", "is_ephemeral": True}, user=CURATOR
    )
    [taught] = slack_api.wait_for("response_url", url_id=taught_id)
    fact = next(f for f in desk.slack_bot.kb.facts if f.id == option["value"])
    assert "4" in taught.text and fact.text("ko")[:30] in taught.text  # the staff workspace is Korean

    desk.slack.dm("How many trainees came from Peru?", "D_AFTER", user="U_NEW")
    [answer] = slack_api.wait_for("chat.postMessage", channel="D_AFTER")
    assert fact.text("en")[:40] in answer.text
    learned = yaml.safe_load((desk.knowledge / "learned.yaml").read_text(encoding="utf-8"))["learned"]
    assert learned[0]["fact"] == fact.id and sorted(learned[0]["questions"]) == sorted(PERU)
    assert CURATOR not in (desk.knowledge / "learned.yaml").read_text(encoding="utf-8")  # a keyed hash only


def test_someone_not_a_curator_is_refused_politely(desk: Desk, slack_api: FakeSlackApi) -> None:
    _, url_id = desk.slack.slash("report", "C_CURATION", user="U_SOMEONE")
    [refusal] = slack_api.wait_for("response_url", url_id=url_id)
    assert refusal.text == desk.slack_bot.message("curators_only", "ko")


def test_status_shows_the_serving_version_and_counts(desk: Desk, slack_api: FakeSlackApi) -> None:
    _, url_id = desk.slack.slash("status", "C_CURATION", user=CURATOR)
    [status] = slack_api.wait_for("response_url", url_id=url_id)
    assert desk.slack_bot.live.base.version in status.text and "78" in status.text


def test_a_broken_edit_leaves_the_old_base_serving_and_tells_the_curators(desk: Desk, slack_api: FakeSlackApi) -> None:
    (desk.knowledge / "broken.yaml").write_text("facts:\n  - id: [unclosed\n", encoding="utf-8")
    result = desk.slack_bot.reload()
    assert not result.ok
    [told] = slack_api.wait_for("chat.postMessage", channel="C_CURATORS")
    assert "broken.yaml:" in told.text
    desk.slack.dm("What year did Vietnam get KONEPS?", "D_STILL")
    assert "2008" in slack_api.wait_for("chat.postMessage", channel="D_STILL")[0].text


def test_a_changed_file_is_reloaded_while_serving(knowledge_copy: Path) -> None:
    knowledge = knowledge_copy
    bot, stop = Coopbot.from_dir(knowledge), threading.Event()
    before = bot.live.base.version
    Watcher(bot, stop).start()
    try:
        time.sleep(0.3)  # the watch is set up
        path = knowledge / "messages.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "# an edit\n", encoding="utf-8")
        deadline = time.monotonic() + 10
        while bot.live.base.version == before:
            assert time.monotonic() < deadline, "the change was not loaded"
            time.sleep(0.1)
    finally:
        stop.set()


def test_a_curator_can_search_every_fact_to_teach_a_cluster(desk: Desk) -> None:
    def suggest(user: str, typed: str) -> list[dict[str, Any]]:
        payload = {
            "type": "block_suggestion",
            "user": {"id": user},
            "action_id": "coop_teach_search",
            "block_id": "cluster:abc",
            "value": typed,
            "team": {"id": "TPPS00001"},
        }
        reply = desk.slack.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
        assert reply.status == 200
        return list(json.loads(reply.body)["options"])

    found = suggest(CURATOR, "Vietnam")
    assert found and all(len(o["text"]["text"]) <= 75 for o in found)
    assert any("베트남" in o["text"]["text"] for o in found)  # the staff workspace reads Korean
    assert suggest("U_SOMEONE", "Vietnam") == []


@pytest.fixture
def curation(knowledge_copy: Path, tmp_path: Path) -> Iterator[Curation]:
    """What the report's "Teach as…" calls, on a bot serving a writable copy of the fact base."""
    db_path = tmp_path / "curation.sqlite3"
    db = Database(db_path)
    yield Curation(Coopbot.from_dir(knowledge_copy), db, Hasher.beside(db_path), frozenset({CURATOR}))
    db.close()


def public_fact(bot: Coopbot) -> str:
    return next(f.id for f in bot.kb.facts if f.visibility == "public")


CONTEXT = "Our delegation from Lima is writing a report for the ministry on procurement reform and training. "
ASKED = "How many officials from Peru were trained by PPS?"
LONG = (CONTEXT * 38).ljust(4000 - len(ASKED)) + ASKED  # what the conversation log keeps of a message, at most


def test_a_long_message_taught_from_the_report_leaves_a_valid_base_that_answers_it(curation: Curation) -> None:
    assert len(LONG) == 4000
    fact = public_fact(curation.bot)
    result = curation.teach([LONG, "peru trainees how many"], fact, f"slack:{CURATOR}")
    assert result.ok
    directory = curation.bot.live.directory
    assert directory is not None and cli.main(["validate", "--knowledge", str(directory)]) == 0
    assert all(len(t.question) <= MAX_LEARNED_QUESTION for t in curation.bot.kb.learned)
    assert curation.bot.ask(LONG).facts[:1] == (fact,)  # the sentence the bot reads of it was taught


def test_a_question_longer_than_the_limit_in_one_sentence_is_cut_at_a_word(curation: Curation) -> None:
    words = " ".join(f"procurement{n}" for n in range(400))  # 4,000 characters and more, without a full stop
    fact = public_fact(curation.bot)
    assert curation.teach([words], fact, f"slack:{CURATOR}").ok
    [taught] = curation.bot.kb.learned
    assert len(taught.question) <= MAX_LEARNED_QUESTION and words.startswith(taught.question + " ")
    assert curation.bot.ask(taught.question).facts[:1] == (fact,)


def test_a_teaching_the_loader_would_refuse_is_not_written_and_the_curator_is_told_why(curation: Curation) -> None:
    version = curation.bot.live.base.version
    result = curation.teach(["Anything about Atlantis?"], "no-such-fact", f"slack:{CURATOR}")
    assert not result.ok and "no-such-fact" in str(result.problems[0])
    directory = curation.bot.live.directory
    assert directory is not None and not (directory / "learned.yaml").exists()
    assert curation.bot.live.base.version == version
