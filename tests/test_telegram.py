"""End-to-end tests of the Telegram adapter: the real polling loop (or webhook server) against a fake
Bot API on 127.0.0.1, with the real answer engine and fact base unless a test scripts the core."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fakes.ports import accepting, free_port
from fakes.telegram_api import ALICE, BATBAYAR, DELEGATION, MINJUN, FakeTelegram, Sent
from telegram.error import NetworkError

from adapters.telegram import Settings, serve
from adapters.telegram.sending import send_once
from bot import Answer, Block, Coopbot, Runtime, UserLimit
from bot.factbase.model import KnowledgeBase
from bot.serving.database import Database
from bot.serving.inbox import DatabaseInbox

BOT = "@coopbot_test_bot"


class ScriptedBot(Coopbot):
    """The real core, except that `script` may answer (or fail) a question first; records every ask."""

    def __init__(self, kb: KnowledgeBase, script: Callable[[str], Answer | None]) -> None:
        super().__init__(kb)
        self.script = script
        self.asked: list[tuple[str, dict[str, Any]]] = []

    def ask(self, text: str, **kwargs: Any) -> Answer:
        self.asked.append((text, kwargs))
        return self.script(text) or super().ask(text, **kwargs)


class RunningBot:
    """`serve`, the adapter's real loop (polling or the webhook), in a thread of its own."""

    def __init__(self, coopbot: Coopbot, settings: Settings, db: Database | None = None, **options: Any) -> None:
        self.stopping = threading.Event()
        self.runtime = Runtime(
            inbox=DatabaseInbox(db or Database(":memory:")),
            limit=options.pop("limit", UserLimit(0)),
            stop=self.stopping,
            **options,
        )
        self.status: list[int] = []
        self.thread = threading.Thread(
            target=lambda: self.status.append(serve(coopbot, settings, self.runtime)), daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(15)
        assert not self.thread.is_alive(), "the bot did not stop"


@pytest.fixture
def start_bot(telegram: FakeTelegram, kb: KnowledgeBase) -> Iterator[Callable[..., Coopbot]]:
    running: list[RunningBot] = []

    def start(coopbot: Coopbot | None = None, runtime: dict[str, Any] | None = None, **options: Any) -> Coopbot:
        """Serve `coopbot` with these Settings `options` and Runtime options `runtime`."""
        coopbot = coopbot or Coopbot(kb)
        settings = Settings(token=telegram.token, base_url=telegram.base_url, **options)
        running.append(RunningBot(coopbot, settings, **(runtime or {})))
        return coopbot

    yield start
    for bot in running:
        bot.stop()


@pytest.fixture
def coopbot(start_bot: Callable[..., Coopbot]) -> Coopbot:
    return start_bot()


def ask(telegram: FakeTelegram, text: str, **where: Any) -> Sent:
    """A user asks; the bot's single reply to that message."""
    chat = (where.get("chat") or {"id": where.get("user", ALICE)["id"]})["id"]
    before = len(telegram.replies(chat))
    telegram.say(text, **where)
    return telegram.wait_replies(chat, after=before)[0]


def long_answer(paragraphs: int = 6, size: int = 830) -> Answer:
    body = tuple(Block("paragraph", f"Paragraph {i}: " + "x" * size) for i in range(paragraphs))
    return Answer(language="en", kind="answer", title="A long answer", body=body, suggestions=("Next?",))


# -- answering questions ---------------------------------------------------------------------------------


def test_korean_question_gets_the_korean_fact(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "몽골에는 나라장터를 언제 수출했어요?", user=MINJUN)
    assert "2010" in reply.text
    assert "몽골" in reply.text
    assert reply.parse_mode == "HTML"


def test_english_question_gets_the_english_fact(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "What year did Vietnam get KONEPS?")
    assert "2008" in reply.text
    assert "Vietnam" in reply.text


def test_answer_ends_with_a_compact_sources_footer(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "키르기스스탄과 나라장터 업무협약은 언제 체결했어?", user=MINJUN)
    assert "2024년 5월 30일" in reply.text
    footer = reply.text.split("\n\n")[-1]
    assert footer.startswith("출처: ")
    assert reply.html.split("\n\n")[-1].startswith("<i>출처: ")


def test_follow_up_uses_the_chats_conversation(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    ask(telegram, "When was KONEPS exported to Vietnam?")
    reply = ask(telegram, "And Mongolia?")
    assert "2010" in reply.text


def test_questions_are_asked_as_the_public_audience_in_the_chats_session(
    telegram: FakeTelegram, start_bot: Callable[..., Coopbot], kb: KnowledgeBase
) -> None:
    scripted = start_bot(ScriptedBot(kb, lambda text: None))
    ask(telegram, "What year did Vietnam get KONEPS?")
    assert scripted.asked == [
        (
            "What year did Vietnam get KONEPS?",
            {"session": f"tg:{ALICE['id']}", "lang": None, "audience": "public"},
        )
    ]


def test_staff_only_blocks_are_never_sent(
    telegram: FakeTelegram, start_bot: Callable[..., Coopbot], kb: KnowledgeBase
) -> None:
    body = (Block("paragraph", "Public part."), Block("note", "STAFF ONLY: budget draft", internal=True))
    answer = Answer(language="en", kind="answer", title="Title", body=body)
    start_bot(ScriptedBot(kb, lambda text: answer))
    reply = ask(telegram, "anything")
    assert "Public part." in reply.text
    assert "STAFF ONLY" not in reply.html


# -- groups and privacy -----------------------------------------------------------------------------------


def test_group_message_without_mention_is_not_answered(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    telegram.say("What year did Vietnam get KONEPS?", chat=DELEGATION)
    mentioned = telegram.say(f"{BOT} What year did Vietnam get KONEPS?", chat=DELEGATION)
    replies = telegram.wait_replies(DELEGATION["id"])
    telegram.wait_for(lambda: not telegram.pending_updates(), what="both updates taken")
    assert [r.reply_to for r in telegram.replies(DELEGATION["id"])] == [mentioned["message_id"]]
    assert "2008" in replies[0].text


def test_group_reply_to_the_bot_is_answered(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    first = ask(telegram, f"{BOT} When was KONEPS exported to Vietnam?", chat=DELEGATION)
    reply = ask(telegram, "몽골에는 언제 수출했어요?", user=MINJUN, chat=DELEGATION, reply_to=first.message)
    assert "2010" in reply.text


def test_command_for_another_bot_is_ignored(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    telegram.say("/help@some_other_bot", chat=DELEGATION)
    ours = telegram.say(f"/help{BOT}", chat=DELEGATION)
    telegram.wait_replies(DELEGATION["id"])
    telegram.wait_for(lambda: not telegram.pending_updates(), what="both updates taken")
    assert [r.reply_to for r in telegram.replies(DELEGATION["id"])] == [ours["message_id"]]


# -- commands ------------------------------------------------------------------------------------------------


def test_start_greets_in_the_users_language_with_example_buttons(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    korean = ask(telegram, "/start", user=MINJUN)
    english = ask(telegram, "/start")
    assert coopbot.message("start", "ko") in korean.text
    assert coopbot.message("start", "en") in english.text
    assert [text for text, _ in korean.buttons] == list(coopbot.examples("ko")[:3])


def test_start_for_a_language_other_than_korean_is_english(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "/start", user=BATBAYAR)
    assert coopbot.message("start", "en") in reply.text


def test_help_lists_example_questions(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "/help")
    assert coopbot.message("help_intro", "en") in reply.text
    assert all(f"• {q}" in reply.text for q in coopbot.examples("en"))


def test_lang_pins_the_chats_language(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    ask(telegram, "/lang ko")
    reply = ask(telegram, "What year did Vietnam get KONEPS?")
    assert "2008년" in reply.text
    assert "베트남" in reply.text
    assert coopbot.language(f"tg:{ALICE['id']}") == "ko"


def test_lang_without_a_choice_shows_the_usage(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    assert ask(telegram, "/lang fr").text == "Answer language: /lang ko or /lang en"


def test_about_lists_the_sources_with_their_dates(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "/about")
    assert "30 May 2024" in reply.text
    assert "Public Procurement Service" in reply.text


def test_contact_gives_the_contact_once(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "/contact")
    contact = coopbot.command("contact", lang="en").contact
    assert contact is not None and contact.phone is not None
    assert reply.text.count(contact.phone) == 1


def test_commands_are_registered_in_both_languages(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    telegram.wait_for(lambda: ("default", "ko") in telegram.commands, what="setMyCommands ko")
    names = ["start", "help", "lang", "about", "contact", "privacy"]
    for language in ("", "en", "ko"):
        assert [c["command"] for c in telegram.commands[("default", language)]] == names
    korean = [c["description"] for c in telegram.commands[("default", "ko")]]
    assert korean != [c["description"] for c in telegram.commands[("default", "en")]]


# -- rendering and buttons ------------------------------------------------------------------------------


def test_suggestions_are_buttons_with_short_server_side_keys(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "What year did Vietnam get KONEPS?")
    assert reply.buttons
    for text, data in reply.buttons:
        assert len(data.encode()) <= 64
        assert text not in data


def test_pressing_a_button_answers_the_query_and_asks_its_question(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    start = ask(telegram, "/start")
    telegram.press(start, "When was KONEPS exported to Mongolia?")
    answer = telegram.wait_replies(ALICE["id"], after=1)[0]
    assert len(telegram.callback_answers) == 1
    assert answer.text.startswith("When was KONEPS exported to Mongolia?")
    assert "2010" in answer.text


def test_user_markup_is_escaped(telegram: FakeTelegram, start_bot: Callable[..., Coopbot], kb: KnowledgeBase) -> None:
    def echo(text: str) -> Answer:
        return Answer(language="en", kind="answer", title=text, body=(Block("paragraph", text),), suggestions=(text,))

    start_bot(ScriptedBot(kb, echo))
    markup = '<b>bold</b> & <script>alert("x")</script> <a href="http://x">y</a>'
    reply = ask(telegram, markup)
    assert reply.text.split("\n\n") == [markup, markup]  # shown literally, and the fake parsed the HTML
    assert "&lt;script&gt;" in reply.html
    assert reply.buttons[0][0] == markup  # button labels are plain text, not HTML


def test_real_answer_to_a_question_with_markup_is_valid_html(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    reply = ask(telegram, "<b>Vietnam</b> & KONEPS: what year?")
    assert "2008" in reply.text


def test_answer_over_4096_characters_is_split_on_paragraphs(
    telegram: FakeTelegram, start_bot: Callable[..., Coopbot], kb: KnowledgeBase
) -> None:
    answer = long_answer()
    start_bot(ScriptedBot(kb, lambda text: answer))
    telegram.say("Tell me everything")
    first, second = telegram.wait_replies(ALICE["id"], 2)
    paragraphs = ["A long answer"] + [b.text for b in answer.body]
    assert len(first.text) + len(second.text) > 5000
    assert all(len(part.text) <= 4096 for part in (first, second))
    assert first.text.split("\n\n") + second.text.split("\n\n") == paragraphs
    assert (first.buttons, [t for t, _ in second.buttons]) == ([], ["Next?"])


# -- other messages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["sticker", "photo", "voice", "location", "document"])
def test_non_text_message_gets_a_hint_in_the_users_language(
    telegram: FakeTelegram, coopbot: Coopbot, kind: str
) -> None:
    telegram.send_non_text(kind, user=MINJUN)
    assert telegram.wait_replies(MINJUN["id"])[0].text == coopbot.message("non_text", "ko")


def test_non_text_in_a_group_not_meant_for_the_bot_is_ignored(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    telegram.send_non_text("sticker", chat=DELEGATION)
    ours = telegram.say(f"/help{BOT}", chat=DELEGATION)
    telegram.wait_replies(DELEGATION["id"])
    assert [r.reply_to for r in telegram.replies(DELEGATION["id"])] == [ours["message_id"]]


def test_edited_question_is_answered_again_in_the_same_reply(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    question = telegram.say("When was KONEPS exported to Vietnam?")
    reply = telegram.wait_replies(ALICE["id"])[0]
    telegram.edit(question, "When was KONEPS exported to Mongolia?")
    telegram.wait_for(lambda: reply.edits == 1, what="the reply edited")
    assert "2010" in reply.text
    assert len(telegram.replies(ALICE["id"])) == 1


def test_a_message_as_long_as_telegram_allows_is_answered_from_its_question(
    telegram: FakeTelegram, coopbot: Coopbot
) -> None:
    question = "What year did Vietnam get KONEPS?"
    reply = ask(telegram, question + " please" * ((4096 - len(question)) // 7))
    assert "2008" in reply.text


# -- faults ----------------------------------------------------------------------------------------------------


def test_flood_control_429_is_waited_out_and_retried(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    telegram.fail_next("sendMessage", code=429, retry_after=1)
    reply = ask(telegram, "What year did Vietnam get KONEPS?")
    assert "2008" in reply.text
    sends = [m for m, _ in telegram.calls if m.startswith("sendMessage")]
    assert sends == ["sendMessage:429", "sendMessage"]


def test_a_send_cut_off_after_it_was_written_is_not_sent_again(
    telegram: FakeTelegram, coopbot: Coopbot, caplog: pytest.LogCaptureFixture
) -> None:
    telegram.drop_next("sendMessage")  # Telegram may have delivered it: sending again could show it twice
    telegram.say("What year did Vietnam get KONEPS?")
    assert "2008" in ask(telegram, "When did Vietnam get KONEPS?").text
    assert [m for m, _ in telegram.calls if m.startswith("sendMessage")] == ["sendMessage:dropped", "sendMessage"]
    assert "possible loss" in caplog.text


def test_a_server_error_after_sending_is_not_sent_again_nor_apologised_for(
    telegram: FakeTelegram, coopbot: Coopbot
) -> None:
    telegram.fail_next("sendMessage", code=500, retry_after=None, description="Internal Server Error")
    telegram.say("What year did Vietnam get KONEPS?")
    reply = ask(telegram, "When did Vietnam get KONEPS?")
    assert "2008" in reply.text
    assert len(telegram.replies(ALICE["id"])) == 1  # no resend, no apology


def test_a_send_that_never_reached_telegram_is_retried() -> None:
    calls: list[int] = []

    async def call() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise NetworkError("httpx.ConnectError") from httpx.ConnectError("connection refused")
        return "sent"

    assert asyncio.run(send_once(call, "a reply")) == "sent"
    assert len(calls) == 3


def test_network_error_while_polling_is_retried(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    telegram.wait_for(lambda: "getUpdates" in telegram.arrived, what="polling")
    telegram.drop_next("getUpdates")
    assert "2008" in ask(telegram, "What year did Vietnam get KONEPS?").text


def test_failing_update_gets_an_apology_and_the_bot_goes_on(
    telegram: FakeTelegram, start_bot: Callable[..., Coopbot], kb: KnowledgeBase
) -> None:
    def script(text: str) -> Answer | None:
        if text == "boom":
            raise RuntimeError("the engine broke")
        return None

    start_bot(ScriptedBot(kb, script))
    assert ask(telegram, "boom").text == Coopbot(kb).message("error", "en")
    assert "2008" in ask(telegram, "What year did Vietnam get KONEPS?").text


def test_stopping_finishes_updates_already_taken_and_confirms_them(telegram: FakeTelegram, kb: KnowledgeBase) -> None:
    gate = threading.Event()

    def slow(text: str) -> None:  # the first answer waits until the bot is told to stop
        gate.wait(10)

    scripted = ScriptedBot(kb, slow)
    for n in range(5):  # queued before the bot starts, so one getUpdates takes them all
        telegram.say(f"What year did Vietnam get KONEPS? ({n})")
    running = RunningBot(scripted, Settings(token=telegram.token, base_url=telegram.base_url))
    telegram.wait_for(lambda: scripted.asked, what="the first question being answered")
    stopper = threading.Thread(target=running.stop)
    stopper.start()  # stop while four taken updates still wait in the bot's queue
    telegram.wait_for(
        lambda: any(p.get("timeout") == "0" for p in telegram.calls_of("getUpdates")), what="polling stopped"
    )
    gate.set()
    stopper.join(10)
    assert len(telegram.replies(ALICE["id"])) == 5
    assert telegram.pending_updates() == []  # the last getUpdates confirmed them all


# -- webhook -------------------------------------------------------------------------------------------------------


@pytest.fixture
def webhook(telegram: FakeTelegram, start_bot: Callable[..., Coopbot]) -> str:
    port = free_port()
    start_bot(webhook_url=f"http://127.0.0.1:{port}/telegram/hook", listen="127.0.0.1", port=port,
              secret_token="s3cret-Token_1")  # fmt: skip
    telegram.wait_for(lambda: telegram.webhook.get("url") and accepting(port), what="the webhook server")
    return "s3cret-Token_1"


def test_webhook_registers_its_secret_and_answers_updates(telegram: FakeTelegram, webhook: str) -> None:
    assert telegram.webhook == {"url": telegram.webhook["url"], "secret_token": webhook}
    reply = ask(telegram, "What year did Vietnam get KONEPS?")  # the fake pushes it with the secret
    assert "2008" in reply.text


@pytest.mark.parametrize("secret", ["wrong-secret", None])
def test_webhook_rejects_an_update_without_the_secret(telegram: FakeTelegram, webhook: str, secret: str | None) -> None:
    forged = {**telegram.say("/help"), "text": "What year did Vietnam get KONEPS?"}
    del forged["entities"]
    telegram.wait_replies(ALICE["id"])
    assert telegram.push_webhook({"update_id": 9999, "message": forged}, secret) == 403
    ask(telegram, "/start")  # pushed with the secret, after the forged update
    assert not any("2008" in r.text for r in telegram.replies(ALICE["id"]))


# -- concurrency ---------------------------------------------------------------------------------------------


def test_a_slow_answer_in_one_chat_does_not_hold_up_another_chat(
    telegram: FakeTelegram, start_bot: Callable[..., Coopbot], kb: KnowledgeBase
) -> None:
    gate = threading.Event()

    def script(text: str) -> Answer | None:
        if text == "slow one":
            gate.wait(10)
        return None

    start_bot(ScriptedBot(kb, script))
    telegram.say("slow one")
    try:
        assert "2010" in ask(telegram, "When was KONEPS exported to Mongolia?", user=MINJUN).text
        assert telegram.replies(ALICE["id"]) == []  # still waiting, and it did not block Minjun
    finally:
        gate.set()
    telegram.wait_replies(ALICE["id"])


def test_one_chats_questions_are_answered_in_the_order_they_were_asked(
    telegram: FakeTelegram, start_bot: Callable[..., Coopbot], kb: KnowledgeBase
) -> None:
    def script(text: str) -> Answer:
        n = int(text.split()[-1])
        time.sleep((10 - n) * 0.02)  # the earlier the question, the slower its answer
        return Answer(language="en", kind="answer", body=(Block("paragraph", f"reply {n}"),))

    start_bot(ScriptedBot(kb, script))
    for n in range(10):
        telegram.say(f"question {n}")
    replies = telegram.wait_replies(ALICE["id"], count=10)
    assert [r.text for r in replies] == [f"reply {n}" for n in range(10)]


def test_one_chats_retry_after_holds_up_that_chat_alone(telegram: FakeTelegram, coopbot: Coopbot) -> None:
    telegram.fail_next("sendMessage", code=429, retry_after=4)
    telegram.say("What year did Vietnam get KONEPS?")  # its reply must wait 4 s
    telegram.wait_for(lambda: "sendMessage:429" in [m for m, _ in telegram.calls], what="the 429")
    started = time.monotonic()
    assert "2010" in ask(telegram, "When was KONEPS exported to Mongolia?", user=MINJUN).text
    assert time.monotonic() - started < 2.0
    assert "2008" in telegram.wait_replies(ALICE["id"])[0].text


# -- nothing lost, nothing doubled -----------------------------------------------------------------------------


def test_updates_left_at_stop_are_answered_after_a_restart_in_order_with_an_apology(
    telegram: FakeTelegram, kb: KnowledgeBase, tmp_path: Path
) -> None:
    db = Database(tmp_path / "coopbot.sqlite3")
    settings = Settings(token=telegram.token, base_url=telegram.base_url)
    stuck = ScriptedBot(kb, lambda text: time.sleep(1.0) if "Vietnam" in text else None)
    first = RunningBot(stuck, settings, db, grace=0.2)
    questions = ["What year did Vietnam get KONEPS?", "When was KONEPS exported to Mongolia?", "/about"]
    for question in questions:
        telegram.say(question)
    telegram.wait_for(lambda: stuck.asked, what="the first question being answered")
    first.stop()  # the grace ends while the first answer is still being made
    assert telegram.replies(ALICE["id"]) == [] and telegram.pending_updates() == []  # confirmed: in the inbox
    assert len(DatabaseInbox(db).due("telegram")) == 3

    second = RunningBot(Coopbot(kb), settings, db, late_after=0.0)
    replies = telegram.wait_replies(ALICE["id"], 3)
    second.stop()
    apology = Coopbot(kb).message("late_reply", "en")
    assert all(r.text.startswith(apology) for r in replies)
    assert "2008" in replies[0].text and "2010" in replies[1].text and "PPS" in replies[2].text
    assert DatabaseInbox(db).depth("telegram") == 0
    # Only the first had begun when the grace ended: it is the one that could have gone out twice.
    assert b'coopbot_possible_duplicates_total{surface="telegram"} 1.0' in second.runtime.metrics.exposition()


def test_an_update_delivered_twice_to_the_webhook_is_answered_once(telegram: FakeTelegram, webhook: str) -> None:
    message = telegram.say("What year did Vietnam get KONEPS?")  # pushed once by the fake, with the secret
    telegram.wait_replies(ALICE["id"])
    assert telegram.push_webhook({"update_id": telegram.last_update_id, "message": message}, webhook) == 200
    assert "2010" in ask(telegram, "When was KONEPS exported to Mongolia?").text
    assert len(telegram.replies(ALICE["id"])) == 2


def _raw_post(port: int, path: str, headers: dict[str, str]) -> tuple[str, float]:
    """Send only a request's headers (no body) and read the status line; and how long that took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = conn.recv(200).decode().split("\r\n")[0]
    return status, time.monotonic() - started


def test_webhook_refuses_a_wrong_secret_before_reading_the_body(telegram: FakeTelegram, webhook: str) -> None:
    url = urlsplit(telegram.webhook["url"])
    huge = {"Content-Type": "application/json", "Content-Length": str(90 * 2**20)}
    status, took = _raw_post(url.port or 80, url.path, {**huge, "X-Telegram-Bot-Api-Secret-Token": "wrong"})
    assert status.split()[1] == "403" and took < 2.0
    status, took = _raw_post(url.port or 80, url.path, {**huge, "X-Telegram-Bot-Api-Secret-Token": webhook})
    assert status.split()[1] == "413" and took < 2.0


def test_a_person_over_the_question_limit_is_told_once_then_not_answered(
    telegram: FakeTelegram, start_bot: Callable[..., Coopbot], kb: KnowledgeBase
) -> None:
    start_bot(runtime={"limit": UserLimit(2)})
    for _ in range(2):
        assert "2008" in ask(telegram, "What year did Vietnam get KONEPS?").text
    assert ask(telegram, "What year did Vietnam get KONEPS?").text == Coopbot(kb).message("too_many", "en")
    telegram.say("What year did Vietnam get KONEPS?")  # over the limit again: no reply at all
    assert "2010" in ask(telegram, "When was KONEPS exported to Mongolia?", user=MINJUN).text
    assert len(telegram.replies(ALICE["id"])) == 3
