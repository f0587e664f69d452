"""Feedback on every answer found: 👍/👎 under it on Telegram and Slack, one vote per person (a change replaces
it), and after a 👎 what they were looking for, which `coopbot report` shows the curators."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakes.ports import free_port, wait_accepting
from fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, Workspace
from fakes.telegram_api import ALICE, DELEGATION, MINJUN, FakeTelegram

from adapters import slack
from adapters import telegram as tg
from bot import Coopbot, Feedback, Runtime, UserLimit
from bot.curation.report import build
from bot.curation.report_model import Report
from bot.factbase.model import KnowledgeBase
from bot.serving.convlog import DatabaseConversationLog, Hasher, Recorder
from bot.serving.database import Database
from bot.serving.inbox import DatabaseInbox

QUESTION = "What year did Vietnam get KONEPS?"


@dataclass
class Logged:
    db: Database
    log: DatabaseConversationLog
    hasher: Hasher
    stop: threading.Event

    def bot(self, kb: KnowledgeBase) -> Coopbot:
        return Coopbot(kb)

    def runtime(self, per_minute: int = 0) -> Runtime:
        return Runtime(
            inbox=DatabaseInbox(self.db),
            stop=self.stop,
            limit=UserLimit(per_minute),
            feedback=Feedback(self.db, self.hasher),
            recorder=Recorder(self.log, self.hasher),
        )

    def report(self) -> Report:
        self.log.flush()
        assert self.kb is not None
        return build(self.db, self.kb, 0.0)

    kb: KnowledgeBase | None = None


@pytest.fixture
def logged(tmp_path: Path, kb: KnowledgeBase) -> Iterator[Logged]:
    path = tmp_path / "coopbot.sqlite3"
    db = Database(path)
    found = Logged(db, DatabaseConversationLog(db), Hasher.beside(path), threading.Event(), kb)
    yield found
    found.stop.set()
    time.sleep(0.5)
    found.log.close()


@contextlib.contextmanager
def telegram_serving(telegram: FakeTelegram, logged: Logged, kb: KnowledgeBase, per_minute: int = 0) -> Iterator[None]:
    """The real Telegram surface against the fake, logging and counting votes, until the block ends."""
    settings = tg.Settings(token=telegram.token, base_url=telegram.base_url)
    thread = serve_in_thread(tg.serve, logged.bot(kb), settings, logged.runtime(per_minute))
    try:
        yield
    finally:
        logged.stop.set()
        thread.join(15)


def serve_in_thread(target: object, *args: object) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
    thread.start()
    return thread


def test_a_telegram_answer_offers_votes_and_a_down_vote_asks_what_was_wanted(
    telegram: FakeTelegram, logged: Logged, kb: KnowledgeBase
) -> None:
    with telegram_serving(telegram, logged, kb):
        telegram.say(QUESTION)
        [answer] = telegram.wait_replies(ALICE["id"])
        assert [text for text, _ in answer.buttons][-2:] == ["👍", "👎"]
        assert all(len(data.encode()) <= 64 for _, data in answer.buttons)
        telegram.press(answer, "👍")  # thanked in a toast: nothing is posted
        telegram.wait_for(lambda: telegram.callback_answers, what="the 👍 answered")
        assert telegram.callback_answers[-1].get("text") == kb.message("feedback_thanks", "en")
        telegram.press(answer, "👎")  # a change of mind replaces the vote
        prompt = telegram.wait_replies(ALICE["id"], 2)[-1]
        assert prompt.text == kb.message("feedback_ask", "en")
        telegram.say("the contract amount", reply_to=telegram.message_of(prompt))
        assert telegram.wait_replies(ALICE["id"], 3)[-1].text == kb.message("feedback_noted", "en")
        report = logged.report()
        [voted] = report.feedback
        assert (voted.question, voted.up, voted.down, voted.comments) == (QUESTION, 0, 1, ("the contract amount",))


def test_a_down_vote_in_a_group_posts_nothing_there_and_asks_in_a_private_chat(
    telegram: FakeTelegram, logged: Logged, kb: KnowledgeBase
) -> None:
    with telegram_serving(telegram, logged, kb):
        telegram.say(f"@{telegram.me['username']} {QUESTION}", chat=DELEGATION)
        [answer] = telegram.wait_replies(DELEGATION["id"])
        telegram.press(answer, "👎")
        telegram.wait_for(lambda: telegram.callback_answers, what="the 👎 answered")
        link = str(telegram.callback_answers[-1]["url"])
        assert link.startswith(f"https://t.me/{telegram.me['username']}?start=")
        telegram.say("/start " + link.partition("?start=")[2])  # the link opens the private chat and starts it
        prompt = telegram.wait_replies(ALICE["id"])[-1]
        assert prompt.text == kb.message("feedback_ask", "en")
        telegram.say("the contract amount", reply_to=telegram.message_of(prompt))
        telegram.wait_replies(ALICE["id"], 2)
        assert len(telegram.replies(DELEGATION["id"])) == 1  # the answer alone
        [voted] = logged.report().feedback
        assert voted.down == 1 and voted.comments == ("the contract amount",)


def test_a_flood_of_down_votes_in_a_group_holds_up_no_one_elses_answer(
    telegram: FakeTelegram, logged: Logged, kb: KnowledgeBase
) -> None:
    with telegram_serving(telegram, logged, kb, per_minute=20):
        telegram.say(f"@{telegram.me['username']} {QUESTION}", chat=DELEGATION)
        [answer] = telegram.wait_replies(DELEGATION["id"])
        for _ in range(60):
            telegram.press(answer, "👎")
        telegram.say(f"@{telegram.me['username']} When was KONEPS exported to Mongolia?", user=MINJUN, chat=DELEGATION)
        replies = telegram.wait_replies(DELEGATION["id"], 2, timeout=5)
        assert "2010" in replies[1].text and len(telegram.replies(DELEGATION["id"])) == 2  # no prompts in the group
        telegram.wait_for(lambda: len(telegram.callback_answers) == 60, what="every press answered")
        toasts = [a.get("text") for a in telegram.callback_answers]
        assert toasts.count(kb.message("too_many", "en")) == 1  # presses count against the presser's limit


@pytest.fixture
def workspace(slack_api: FakeSlackApi, logged: Logged, kb: KnowledgeBase) -> Iterator[Workspace]:
    port = free_port()
    settings = slack.Settings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
    )
    thread = serve_in_thread(slack.serve, logged.bot(kb), settings, logged.runtime())
    wait_accepting(port)
    yield Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api)
    logged.stop.set()
    thread.join(15)


def test_a_slack_answer_offers_votes_and_a_down_vote_opens_a_modal(
    workspace: Workspace, slack_api: FakeSlackApi, logged: Logged
) -> None:
    workspace.dm(QUESTION, "D_VOTE")
    [answer] = slack_api.wait_for("chat.postMessage", channel="D_VOTE")
    down = next(b for b in answer.buttons() if b["text"]["text"] == "👎")
    workspace.click(down, {"type": "message", "message_ts": answer.params.get("ts", "1")}, channel={"id": "D_VOTE"})
    [opened] = slack_api.wait_for("views.open")
    view = opened.params["view"]
    workspace.submit(view, {"comment": {"text": "when the contract was signed"}})
    deadline = time.monotonic() + 5
    while not logged.report().feedback:
        assert time.monotonic() < deadline, "the comment was not kept"
        time.sleep(0.1)
    [voted] = logged.report().feedback
    assert voted.down == 1 and voted.comments == ("when the contract was signed",)


def test_slack_clicks_count_against_the_persons_limit(
    slack_api: FakeSlackApi, logged: Logged, kb: KnowledgeBase
) -> None:
    port = free_port()
    settings = slack.Settings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
    )
    thread = serve_in_thread(slack.serve, logged.bot(kb), settings, logged.runtime(per_minute=3))
    wait_accepting(port)
    workspace = Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api)
    workspace.dm(QUESTION, "D_CLICKS", user="U_MINJI")  # one
    [answer] = slack_api.wait_for("chat.postMessage", channel="D_CLICKS")
    up = next(b for b in answer.buttons() if b["text"]["text"] == "👍")
    url_ids = [workspace.click_in_message(up, answer)[1] for _ in range(4)]  # two, three, then over the limit
    [told] = slack_api.wait_for("response_url", url_id=url_ids[2])
    assert told.text == kb.message("too_many", "ko")  # clicks carry no text: the staff workspace's language
    time.sleep(0.5)
    assert slack_api.of("response_url", url_id=url_ids[3]) == []  # told once a minute, not at every click
    logged.stop.set()
    thread.join(15)


def test_replies_that_found_nothing_offer_no_votes(workspace: Workspace, slack_api: FakeSlackApi) -> None:
    workspace.dm("Who won the world cup?", "D_NOVOTE")
    [answer] = slack_api.wait_for("chat.postMessage", channel="D_NOVOTE")
    assert not [b for b in answer.buttons() if b["text"]["text"] in ("👍", "👎")]
