"""End to end in HTTP mode: the real Slack app on 127.0.0.1, signed requests sent to it, and a
fake Slack Web API (tests/fakes/slack_api.py) that records what the app posts.

Each test talks in channels of its own, so the conversations of one test never reach another.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from fakes.ports import accepting, free_port
from fakes.slack_api import (
    BOT_ID,
    BOT_TOKEN,
    BOT_USER,
    SIGNING_SECRET,
    Call,
    FakeSlackApi,
    Workspace,
    check_blocks,
    sign,
)

from adapters.slack import serve
from adapters.slack.rendering import escape
from adapters.slack.settings import EVENTS_PATH, Settings
from bot import BoundedCache, Cache, Caches, Codec, Coopbot, Runtime, UserLimit
from bot.serving.database import Database
from bot.serving.inbox import DatabaseInbox

HANGUL = re.compile(r"[가-힣]")


@contextmanager
def serving(slack_api: FakeSlackApi, bot: Any, db: Database | None = None, **options: Any) -> Iterator[Workspace]:
    """`serve`, the adapter's real loop, in HTTP mode on a free port of 127.0.0.1, in a thread of its own."""
    port = free_port()
    settings = Settings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
    )
    runtime = Runtime(
        inbox=DatabaseInbox(db or Database(":memory:")),
        limit=options.pop("limit", UserLimit(0)),
        stop=threading.Event(),
        **options,
    )
    thread = threading.Thread(target=serve, args=(bot, settings, runtime), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not accepting(port):
        assert time.monotonic() < deadline and thread.is_alive(), "the Slack server did not come up"
        time.sleep(0.05)
    try:
        yield Workspace(f"http://127.0.0.1:{port}{EVENTS_PATH}", slack_api)
    finally:
        runtime.stop.set()
        thread.join(15)
        assert not thread.is_alive(), "serve did not stop"


@pytest.fixture(scope="module")
def slack(slack_api: FakeSlackApi, bot: Coopbot) -> Iterator[Workspace]:
    with serving(slack_api, bot) as workspace:
        yield workspace


def posted(slack_api: FakeSlackApi, count: int = 1, containing: str = "", **match: Any) -> list[Call]:
    """The messages posted where `match` says, every block validated by slack_sdk.models.blocks."""
    calls = slack_api.wait_for("chat.postMessage", count, containing=containing, **match)
    for call in calls:
        check_blocks(call.blocks)
    return calls


def responded(slack_api: FakeSlackApi, url_id: str, count: int = 1) -> list[Call]:
    calls = slack_api.wait_for("response_url", count, url_id=url_id)
    for call in calls:
        check_blocks(call.blocks)
    return calls


def assert_only_answer_is_to(slack: Workspace, slack_api: FakeSlackApi, channel: str, ignored: str) -> None:
    """After events that must be ignored (they asked about Vietnam): a question about Mongolia in the same
    channel, sent after them, is answered; nothing else is."""
    slack.dm("When was KONEPS exported to Mongolia?", channel)
    posted(slack_api, channel=channel, containing="2010")
    assert [c.text for c in slack_api.of("chat.postMessage", channel=channel) if "2008" in c.text] == [], ignored


# -- mentions, direct messages, threads -----------------------------------------------------------------


def test_korean_mention_is_answered_in_its_thread(slack: Workspace, slack_api: FakeSlackApi) -> None:
    mention = slack.mention(f"<@{BOT_USER}> 몽골에는 나라장터를 언제 수출했어요?", "C_MENTION_KO")
    [reply] = posted(slack_api, channel="C_MENTION_KO")
    assert reply.params["thread_ts"] == mention["ts"]
    assert "2010" in reply.text and HANGUL.search(reply.text)


def test_english_mention_is_answered_in_english(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack.mention(f"<@{BOT_USER}> When was the Kyrgyzstan MOU signed?", "C_MENTION_EN")
    [reply] = posted(slack_api, channel="C_MENTION_EN")
    assert "30 May 2024" in reply.text and not HANGUL.search(reply.text.split("Sources")[0])


def test_mention_inside_a_thread_is_answered_in_that_thread(slack: Workspace, slack_api: FakeSlackApi) -> None:
    root = slack.new_ts()
    slack.mention(f"<@{BOT_USER}> 키르기스스탄과 업무협약은 언제 맺었어요?", "C_THREAD", thread_ts=root)
    [reply] = posted(slack_api, channel="C_THREAD")
    assert reply.params["thread_ts"] == root
    assert "2024년 5월 30일" in reply.text


def test_follow_up_in_the_same_thread_continues_the_conversation(slack: Workspace, slack_api: FakeSlackApi) -> None:
    first = slack.mention(f"<@{BOT_USER}> 몽골에는 나라장터를 언제 수출했어요?", "C_FOLLOW")
    posted(slack_api, channel="C_FOLLOW")
    slack.mention(f"<@{BOT_USER}> 베트남은?", "C_FOLLOW", thread_ts=first["ts"])
    second = posted(slack_api, 2, channel="C_FOLLOW", thread_ts=first["ts"])[1]
    assert "2008" in second.text


def test_english_direct_message_is_answered_in_the_conversation(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack.dm("What year did Vietnam get KONEPS?", "D_DM_EN")
    [reply] = posted(slack_api, channel="D_DM_EN")
    assert reply.params.get("thread_ts") is None
    assert "2008" in reply.text and "Vietnam" in reply.text


def test_korean_direct_message_is_answered_in_korean(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack.dm("베트남에는 언제 나라장터를 수출했나요?", "D_DM_KO")
    [reply] = posted(slack_api, channel="D_DM_KO")
    assert "2008" in reply.text and "베트남" in reply.text


def test_answer_is_section_then_sources_context_then_suggestion_buttons(
    slack: Workspace, slack_api: FakeSlackApi
) -> None:
    slack.dm("What year did Vietnam get KONEPS?", "D_LAYOUT")
    [reply] = posted(slack_api, channel="D_LAYOUT")
    kinds = [b["type"] for b in reply.blocks]
    assert kinds[0] == "section" and kinds[-1] == "actions"
    sources = [b for b in reply.blocks if b["type"] == "context" and "Sources" in b["elements"][0]["text"]]
    assert sources and "Korea Economic Daily" in sources[0]["elements"][0]["text"]
    assert reply.buttons() and all(b["action_id"].startswith("coop_ask_") for b in reply.buttons())


def test_staff_only_notes_are_shown_marked_internal(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack.dm("카메룬 계약 금액은?", "D_INTERNAL")
    [reply] = posted(slack_api, channel="D_INTERNAL")
    notes = [e["text"] for b in reply.blocks if b["type"] == "context" for e in b["elements"]]
    internal = [text for text in notes if "내부용" in text]
    assert internal and internal[0].startswith(":lock: *[내부용]*")
    assert "[내부용]" in reply.text  # the notification text marks it too


def test_bare_mention_is_answered_with_how_to_ask(slack: Workspace, slack_api: FakeSlackApi, bot: Coopbot) -> None:
    slack.mention(f"<@{BOT_USER}>", "C_BARE")
    [reply] = posted(slack_api, channel="C_BARE")
    assert bot.examples("ko")[0] in reply.text


# -- the slash command and buttons ----------------------------------------------------------------------


def test_slash_command_is_acknowledged_at_once_and_answered_to_the_asker_only(
    slack: Workspace, slack_api: FakeSlackApi
) -> None:
    reply, url_id = slack.slash("몽골에는 나라장터를 언제 수출했어요?", "C_SLASH", timeout=3)
    assert reply.status == 200 and reply.body == ""
    [answer] = responded(slack_api, url_id)
    assert answer.params["response_type"] == "ephemeral"
    assert "2010" in answer.text
    assert any(b["action_id"] == "coop_share" for b in answer.buttons())
    assert not slack_api.of("chat.postMessage", channel="C_SLASH")


def test_slash_command_runs_the_commands_of_the_core_table(
    slack: Workspace, slack_api: FakeSlackApi, bot: Coopbot
) -> None:
    _, about_id = slack.slash("about", "C_SLASH_ABOUT")
    _, lang_id = slack.slash("lang en", "C_SLASH_LANG")
    [about] = responded(slack_api, about_id)
    [lang] = responded(slack_api, lang_id)
    assert bot.message("lang_set", "en") in lang.text
    assert "Public Procurement Service" in about.text or "조달청" in about.text
    _, asked_id = slack.slash("몽골 나라장터 언제", "C_SLASH_LANG")
    assert "KONEPS was exported to Mongolia in 2010" in responded(slack_api, asked_id)[0].text  # the pinned language


def share_button(message: Call) -> dict[str, Any]:
    return next(b for b in message.buttons() if b["action_id"] == "coop_share")


def test_share_button_posts_the_same_answer_in_the_channel(slack: Workspace, slack_api: FakeSlackApi) -> None:
    _, url_id = slack.slash("What year did Vietnam get KONEPS?", "C_SHARE")
    [ephemeral] = responded(slack_api, url_id)
    share = share_button(ephemeral)
    assert share["text"]["text"] == "Share in channel"
    reply, click_id = slack.click_in_ephemeral(share, "C_SHARE")
    assert reply.status == 200
    shared, deleted = responded(slack_api, click_id, 2)
    assert shared.params["response_type"] == "in_channel"
    assert shared.text == ephemeral.text and "2008" in shared.text
    assert not any(b["action_id"] == "coop_share" for b in shared.buttons())
    assert deleted.params == {"delete_original": True}


def test_share_button_of_a_question_full_of_quotes_carries_a_short_key_and_shares(
    slack: Workspace, slack_api: FakeSlackApi
) -> None:
    question = '"' * 2000
    _, url_id = slack.slash(question, "C_SHARE_QUOTES")
    [ephemeral] = responded(slack_api, url_id)
    share = share_button(ephemeral)
    assert re.fullmatch("[0-9a-f]{16}", share["value"])  # the key of the kept answer, not the question
    _, click_id = slack.click_in_ephemeral(share, "C_SHARE_QUOTES")
    shared, deleted = responded(slack_api, click_id, 2)
    assert shared.params["response_type"] == "in_channel" and shared.text == ephemeral.text
    assert deleted.params == {"delete_original": True}


def test_share_button_of_an_answer_no_longer_kept_says_so_and_posts_nothing(
    slack: Workspace, slack_api: FakeSlackApi, bot: Coopbot
) -> None:
    share = {"action_id": "coop_share", "text": {"type": "plain_text", "text": "Share in channel"},
             "value": "0123456789abcdef"}  # fmt: skip
    _, click_id = slack.click_in_ephemeral(share, "C_SHARE_GONE")
    [told] = responded(slack_api, click_id)
    assert told.text == bot.message("share_expired", "ko")  # the staff workspace is a Korean one
    assert told.params["response_type"] == "ephemeral" and told.params["replace_original"] is False
    time.sleep(0.3)  # nothing follows: no post in the channel, no deletion of the answer
    assert len(slack_api.of("response_url", url_id=click_id)) == 1


def test_share_button_of_an_old_release_says_so_too(slack: Workspace, slack_api: FakeSlackApi, bot: Coopbot) -> None:
    share = {"action_id": "coop_share", "text": {"type": "plain_text", "text": "Share in channel"},
             "value": json.dumps({"k": "gone", "q": "What year did Vietnam get KONEPS?", "l": "en"})}  # fmt: skip
    _, click_id = slack.click_in_ephemeral(share, "C_SHARE_OLD")
    [told] = responded(slack_api, click_id)
    assert told.text == bot.message("share_expired", "ko")


def test_suggestion_button_asks_its_question_in_the_same_thread(slack: Workspace, slack_api: FakeSlackApi) -> None:
    mention = slack.mention(f"<@{BOT_USER}> 몽골에는 나라장터를 언제 수출했어요?", "C_BUTTON")
    [first] = posted(slack_api, channel="C_BUTTON")
    button = first.buttons()[0]
    reply, _ = slack.click_in_message(button, first)
    assert reply.status == 200
    second = posted(slack_api, 2, channel="C_BUTTON", thread_ts=mention["ts"])[1]
    echo = second.blocks[0]
    assert echo["type"] == "context" and button["value"] in echo["elements"][0]["text"]
    assert HANGUL.search(second.text)


def test_suggestion_button_under_a_direct_answer_replies_in_the_conversation(
    slack: Workspace, slack_api: FakeSlackApi
) -> None:
    slack.dm("What year did Vietnam get KONEPS?", "D_BUTTON")
    [first] = posted(slack_api, channel="D_BUTTON")
    slack.click_in_message(first.buttons()[0], first, user="U_ALEX")
    second = posted(slack_api, 2, channel="D_BUTTON")[1]
    assert second.params.get("thread_ts") is None
    assert first.buttons()[0]["value"] in json.dumps(second.blocks, ensure_ascii=False)


def test_suggestion_button_under_a_slash_answer_replies_to_the_asker_only(
    slack: Workspace, slack_api: FakeSlackApi
) -> None:
    _, url_id = slack.slash("What year did Vietnam get KONEPS?", "C_SLASH_BUTTON")
    [ephemeral] = responded(slack_api, url_id)
    suggestion = next(b for b in ephemeral.buttons() if b["action_id"].startswith("coop_ask_"))
    _, click_id = slack.click_in_ephemeral(suggestion, "C_SLASH_BUTTON")
    [answer] = responded(slack_api, click_id)
    assert answer.params["response_type"] == "ephemeral"
    assert any(b["action_id"] == "coop_share" for b in answer.buttons())
    assert not slack_api.of("chat.postMessage", channel="C_SLASH_BUTTON")


# -- App Home ---------------------------------------------------------------------------------------------


def test_app_home_shows_what_coopbot_knows_and_examples_in_both_languages(
    slack: Workspace, slack_api: FakeSlackApi, bot: Coopbot
) -> None:
    assert slack.home_opened("U_HOME").status == 200
    [publish] = slack_api.wait_for("views.publish", user_id="U_HOME")
    view = publish.params["view"]
    assert view["type"] == "home"
    check_blocks(view["blocks"], limit=100)
    values = [e["value"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert bot.examples("ko")[0] in values and bot.examples("en")[0] in values
    text = json.dumps(view, ensure_ascii=False)
    assert "coopbot" in text and "Korea Economic Daily" in text and "한국경제" in text


def test_home_example_button_answers_in_the_direct_conversation(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack.home_opened("U_HOMEBTN")
    [publish] = slack_api.wait_for("views.publish", user_id="U_HOMEBTN")
    buttons = [e for b in publish.params["view"]["blocks"] if b["type"] == "actions" for e in b["elements"]]
    english = next(b for b in buttons if b["value"] == "When was KONEPS exported to Mongolia?")
    slack.click_in_home(english, "U_HOMEBTN")
    slack_api.wait_for("conversations.open", users="U_HOMEBTN")
    [reply] = posted(slack_api, channel="D_HOMEBTN")
    assert "2010" in reply.text


# -- escaping -----------------------------------------------------------------------------------------------


def test_channel_and_here_in_a_question_can_ping_no_one(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack.mention(f"<@{BOT_USER}> <!channel> <!here> 몽골에는 언제 수출했어요? <http://evil.example|click>", "C_PING")
    [reply] = posted(slack_api, channel="C_PING")
    assert "2010" in reply.text
    assert "<!" not in reply.everything() and "<http" not in reply.everything()


def test_question_echoed_under_a_button_is_escaped(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack.dm("What year did Vietnam get KONEPS?", "D_ECHO")
    [first] = posted(slack_api, channel="D_ECHO")
    forged = {**first.buttons()[0], "value": "<!channel> <!here> & <http://evil.example|Mongolia> 2010?"}
    slack.click_in_message(forged, first, user="U_ALEX")
    second = posted(slack_api, 2, channel="D_ECHO")[1]
    echo = second.blocks[0]["elements"][0]["text"]
    assert "&lt;!channel&gt; &lt;!here&gt; &amp; &lt;http://evil.example|Mongolia&gt;" in echo
    assert "<!" not in second.everything() and "<http" not in second.everything()


# -- requests that must not be answered ---------------------------------------------------------------------


def test_bad_signature_is_refused_with_401(slack: Workspace, slack_api: FakeSlackApi) -> None:
    body = json.dumps(slack.envelope(slack.dm_event("What year did Vietnam get KONEPS?", "D_BADSIG")))
    reply = slack.post(body, "application/json", sign(body, secret="not-the-signing-secret"))
    assert reply.status == 401
    assert_only_answer_is_to(slack, slack_api, "D_BADSIG", "a forged event was answered")


def test_slash_command_and_click_with_a_bad_signature_are_refused_with_401(
    slack: Workspace, slack_api: FakeSlackApi
) -> None:
    form = "command=%2Fcoop&text=Vietnam&channel_id=C_BADSIG&user_id=U1&response_url=" + slack_api.response_url(
        "forged"
    )
    assert slack.post(form, "application/x-www-form-urlencoded", sign(form, secret="wrong")).status == 401
    click = "payload=" + json.dumps({"type": "block_actions", "actions": [{"action_id": "coop_ask_0", "value": "x"}]})
    assert slack.post(click, "application/x-www-form-urlencoded", sign(click, secret="wrong")).status == 401
    assert not slack_api.of("response_url", url_id="forged")


def test_unsigned_request_is_refused_with_401(slack: Workspace, slack_api: FakeSlackApi) -> None:
    body = json.dumps(slack.envelope(slack.dm_event("What year did Vietnam get KONEPS?", "D_NOSIG")))
    assert slack.post(body, "application/json", {}).status == 401


def test_stale_timestamp_is_refused_with_401(slack: Workspace, slack_api: FakeSlackApi) -> None:
    body = json.dumps(slack.envelope(slack.dm_event("What year did Vietnam get KONEPS?", "D_STALE")))
    reply = slack.post(body, "application/json", sign(body, timestamp=int(time.time()) - 10 * 60))
    assert reply.status == 401
    assert_only_answer_is_to(slack, slack_api, "D_STALE", "a replayed event was answered")


def test_retried_event_is_answered_once(slack: Workspace, slack_api: FakeSlackApi) -> None:
    event = slack.dm_event("What year did Vietnam get KONEPS?", "D_RETRY")
    assert slack.send_event(event, event_id="EvRETRY1").status == 200
    posted(slack_api, channel="D_RETRY")
    for attempt in (1, 2):
        assert slack.send_event(event, event_id="EvRETRY1", retry_num=attempt).status == 200
    slack.dm("몽골에는 언제 수출했어요?", "D_RETRY")  # a new question, sent after the retries
    posted(slack_api, channel="D_RETRY", containing="2010")
    assert len(slack_api.of("chat.postMessage", channel="D_RETRY", containing="2008")) == 1


@pytest.mark.parametrize(
    ("what", "extra"),
    [
        ("its own message", {"user": BOT_USER, "bot_id": BOT_ID}),
        ("another bot's message", {"subtype": "bot_message", "bot_id": "B_OTHER", "user": None}),
        ("another bot with a user id", {"bot_id": "B_OTHER", "user": "U_OTHERBOT"}),
        ("an edit", {"subtype": "message_changed"}),
        ("a deletion", {"subtype": "message_deleted"}),
        ("a join", {"subtype": "channel_join"}),
    ],
)
def test_messages_that_are_not_questions_are_ignored(
    slack: Workspace, slack_api: FakeSlackApi, what: str, extra: dict[str, Any]
) -> None:
    channel = slack.new_id("D_IGNORE")
    slack.dm("What year did Vietnam get KONEPS?", channel, **extra)
    assert_only_answer_is_to(slack, slack_api, channel, f"{what} was answered")


def test_channel_messages_without_a_mention_are_not_answered(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack.dm("What year did Vietnam get KONEPS?", "C_CHATTER", channel_type="channel")
    slack.mention(f"<@{BOT_USER}> When was KONEPS exported to Mongolia?", "C_CHATTER")
    posted(slack_api, channel="C_CHATTER", containing="2010")
    assert not slack_api.of("chat.postMessage", channel="C_CHATTER", containing="2008")


# -- faults -----------------------------------------------------------------------------------------------------


def test_rate_limited_post_is_retried_after_retry_after(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack_api.fail("chat.postMessage", 429, retry_after=0)
    slack.dm("What year did Vietnam get KONEPS?", "D_RATELIMIT")
    [reply] = posted(slack_api, channel="D_RATELIMIT")
    assert "2008" in reply.text
    assert ("chat.postMessage", 429) in slack_api.attempts


@pytest.mark.parametrize("status", [503, 502])
def test_a_post_that_failed_without_landing_is_sent_again_once_checked(
    slack: Workspace, slack_api: FakeSlackApi, status: int
) -> None:
    slack_api.fail("chat.postMessage", status)
    channel = slack.new_id("D_5XX")
    slack.dm("What year did Vietnam get KONEPS?", channel)
    [reply] = posted(slack_api, channel=channel)
    assert "2008" in reply.text
    assert ("chat.postMessage", status) in slack_api.attempts
    assert slack_api.of("conversations.history", channel=channel)  # looked before sending again


def test_a_post_that_landed_before_its_5xx_is_not_sent_again(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack_api.fail("chat.postMessage", 500, landed=True)
    channel = slack.new_id("C_LANDED")
    slack.mention("What year did Vietnam get KONEPS?", channel)
    slack_api.wait_for("conversations.replies", channel=channel)
    slack.mention("When was KONEPS exported to Mongolia?", channel)
    posted(slack_api, channel=channel, containing="2010")
    texts = [m["text"] for m in slack_api.history[channel]]
    assert len(texts) == 2 and "2008" in texts[0], texts  # the first answer once, and no apology after it


def test_a_post_timing_out_after_landing_is_not_sent_again(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack_api.drop_after_landing("chat.postMessage")
    channel = slack.new_id("D_DROP")
    slack.dm("What year did Vietnam get KONEPS?", channel)
    slack_api.wait_for("conversations.history", channel=channel)
    slack.dm("When was KONEPS exported to Mongolia?", channel)
    posted(slack_api, channel=channel, containing="2010")
    assert len(slack_api.history[channel]) == 2


def test_refused_post_is_logged_and_the_next_event_is_still_answered(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack_api.fail("chat.postMessage", 200, times=2, error="channel_not_found")  # the answer, then the apology
    slack.dm("What year did Vietnam get KONEPS?", "D_REFUSED")
    slack_api.wait_faults_spent()
    slack.dm("When was KONEPS exported to Mongolia?", "D_REFUSED")
    [reply] = posted(slack_api, channel="D_REFUSED")
    assert "2010" in reply.text


class ExplodingBot:
    """The real bot, except that a question with 💥 raises inside the core."""

    def __init__(self, bot: Coopbot) -> None:
        self._bot = bot

    def ask(self, text: str, **kw: Any) -> Any:
        if "💥" in text:
            raise RuntimeError("the core failed")
        return self._bot.ask(text, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)


def test_exception_in_one_event_is_answered_with_an_apology_and_the_next_is_answered(
    slack_api: FakeSlackApi, bot: Coopbot
) -> None:
    with serving(slack_api, ExplodingBot(bot)) as slack:
        slack.dm("💥 몽골에는 언제 수출했어요?", "D_BOOM")
        [apology] = posted(slack_api, channel="D_BOOM")
        assert apology.text == bot.message("error", "ko")
        slack.dm("What year did Vietnam get KONEPS?", "D_BOOM")
        assert "2008" in posted(slack_api, 2, channel="D_BOOM")[1].text


def test_exception_under_a_slash_command_is_apologised_for_to_the_asker(slack_api: FakeSlackApi, bot: Coopbot) -> None:
    with serving(slack_api, ExplodingBot(bot)) as slack:
        _, url_id = slack.slash("💥 What year did Vietnam get KONEPS?", "C_BOOM")
        [apology] = responded(slack_api, url_id)
        assert apology.text == bot.message("error", "en")
        assert apology.params["response_type"] == "ephemeral"


class Fleeting(Caches):
    """Caches in which what expires (who reads a conversation) is forgotten at once, so it is asked every time."""

    def make(self, name: str, limit: int, codec: Codec[Any], ttl: float | None = None) -> Cache[Any, Any]:
        return BoundedCache(limit, ttl=0.0 if ttl else None)


def test_share_button_answers_again_for_a_channel_shared_since_the_question(
    slack_api: FakeSlackApi, bot: Coopbot, staff_note: Any
) -> None:
    channel, note = "C_SHARED_SINCE", escape(staff_note.note)[:40]
    with serving(slack_api, bot, caches=Fleeting()) as slack:
        _, url_id = slack.slash(staff_note.question, channel)
        [ephemeral] = responded(slack_api, url_id)
        assert note in ephemeral.text  # an internal channel: the asker sees the staff note
        slack_api.set_channel(channel, is_ext_shared=True, is_shared=True)  # then it is shared with another org
        _, click_id = slack.click_in_ephemeral(share_button(ephemeral), channel)
        shared, _ = responded(slack_api, click_id, 2)
    assert shared.params["response_type"] == "in_channel"
    assert note not in shared.everything() and shared.text.split("\n")[0] == ephemeral.text.split("\n")[0]


def test_a_share_slack_refuses_is_apologised_for_to_the_asker(
    slack: Workspace, slack_api: FakeSlackApi, bot: Coopbot
) -> None:
    _, url_id = slack.slash("What year did Vietnam get KONEPS?", "C_SHARE_REFUSED")
    [ephemeral] = responded(slack_api, url_id)
    slack_api.fail("response_url", 404)
    _, click_id = slack.click_in_ephemeral(share_button(ephemeral), "C_SHARE_REFUSED")
    [apology] = responded(slack_api, click_id)
    assert apology.text == bot.message("error", "en") and apology.params["response_type"] == "ephemeral"


# -- nothing lost, nothing doubled, nothing exhausted ------------------------------------------------------


def test_a_replayed_signed_request_is_acknowledged_and_ignored(slack: Workspace, slack_api: FakeSlackApi) -> None:
    form, url_id = slack.slash_form("What year did Vietnam get KONEPS?", "C_REPLAY")
    body = urlencode(form)
    headers = sign(body)
    statuses = [slack.post(body, "application/x-www-form-urlencoded", headers).status for _ in range(5)]
    assert statuses == [200] * 5
    responded(slack_api, url_id)
    slack.slash("When was KONEPS exported to Mongolia?", "C_REPLAY")  # answered after the replays
    slack_api.wait_for("response_url", containing="2010")
    assert len(slack_api.of("response_url", url_id=url_id)) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=00"}, 400),
        ({"X-Slack-Request-Timestamp": "1e9", "X-Slack-Signature": "v0=00"}, 400),
        ({"X-Slack-Request-Timestamp": "12", "X-Slack-Signature": "v0=00"}, 401),
        ({"X-Slack-Signature": "v0=00"}, 401),
    ],
)
def test_bad_signature_headers_are_refused_without_a_server_error(
    slack: Workspace, headers: dict[str, str], status: int
) -> None:
    assert slack.post("{}", "application/json", headers).status == status


def test_a_negative_content_length_is_a_bad_request(slack: Workspace) -> None:
    port = int(urlsplit(slack.app_url).port or 0)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
        signed = "".join(f"{k}: {v}\r\n" for k, v in sign("").items())
        conn.sendall(f"POST /slack/events HTTP/1.1\r\nHost: x\r\n{signed}Content-Length: -1\r\n\r\n".encode())
        assert conn.recv(100).split()[1] == b"400"


def test_idle_connections_hold_up_no_one(slack: Workspace, slack_api: FakeSlackApi) -> None:
    port = int(urlsplit(slack.app_url).port or 0)
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(200)]
    try:
        for conn in idle[::2]:
            conn.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # headers never finished
        channel = slack.new_id("D_IDLE")
        slack.dm("What year did Vietnam get KONEPS?", channel)
        assert "2008" in posted(slack_api, channel=channel)[0].text
    finally:
        for conn in idle:
            conn.close()


def test_one_channels_retry_after_holds_up_no_other_channel(slack: Workspace, slack_api: FakeSlackApi) -> None:
    slack_api.fail("chat.postMessage", 429, retry_after=4)
    slow, other = slack.new_id("C_SLOW"), slack.new_id("D_OTHER")
    slack.mention("What year did Vietnam get KONEPS?", slow)
    slack_api.wait_faults_spent()
    started = time.monotonic()
    slack.dm("When was KONEPS exported to Mongolia?", other)
    posted(slack_api, channel=other, containing="2010")
    assert time.monotonic() - started < 2.0
    assert "2008" in posted(slack_api, channel=slow)[0].text


def test_a_person_over_the_question_limit_is_told_once_then_not_answered(slack_api: FakeSlackApi, bot: Coopbot) -> None:
    with serving(slack_api, bot, limit=UserLimit(2)) as slack:
        channel = slack.new_id("D_LIMIT")
        for _ in range(4):
            slack.dm("What year did Vietnam get KONEPS?", channel, user="U_FLOOD")
        slack.dm("When was KONEPS exported to Mongolia?", channel, user="U_CALM")
        posted(slack_api, channel=channel, containing="2010")
        texts = [c.text for c in slack_api.of("chat.postMessage", channel=channel)]
    assert sum("2008" in t for t in texts) == 2 and texts.count(bot.message("too_many", "en")) == 1, texts


def test_events_acknowledged_before_a_stop_are_answered_after_the_restart(
    slack_api: FakeSlackApi, bot: Coopbot, tmp_path: Path
) -> None:
    db = Database(tmp_path / "coopbot.sqlite3")
    slow = ScriptedSlow(bot, seconds=1.0)
    channel = "D_RESTART"
    with serving(slack_api, slow, db, grace=0.2) as slack:
        for question in ("What year did Vietnam get KONEPS?", "When was KONEPS exported to Mongolia?"):
            assert slack.dm(question, channel)  # acknowledged
        slow.started.wait(5)
    assert len(DatabaseInbox(db).due("slack")) >= 1  # the grace ended while answering
    with serving(slack_api, bot, db):
        posted(slack_api, channel=channel, containing="2010")
    texts = [m["text"] for m in slack_api.history[channel]]
    assert sum("2008" in t for t in texts) == 1 and sum("2010" in t for t in texts) == 1, texts
    assert DatabaseInbox(db).depth("slack") == 0


def test_a_reply_sent_just_before_a_crash_is_not_sent_again_after_the_restart(
    slack_api: FakeSlackApi, bot: Coopbot, tmp_path: Path
) -> None:
    db = Database(tmp_path / "coopbot.sqlite3")
    with serving(slack_api, bot, db) as slack:
        event = slack.dm_event("What year did Vietnam get KONEPS?", "D_CRASH")
        envelope = slack.envelope(event)
        slack.post(json.dumps(envelope), "application/json")
        posted(slack_api, channel="D_CRASH")
    # As if the process died between posting and marking it answered: the inbox still holds it, begun once.
    db.write("UPDATE inbox SET done = NULL, attempts = 1 WHERE key = ?", [(envelope["event_id"],)])
    with serving(slack_api, bot, db):
        slack_api.wait_for("conversations.history", channel="D_CRASH")
    assert len(slack_api.history["D_CRASH"]) == 1
    assert DatabaseInbox(db).depth("slack") == 0


class ScriptedSlow:
    """The real bot, except that asking takes `seconds`; `started` is set once the first ask begins."""

    def __init__(self, bot: Coopbot, seconds: float) -> None:
        self._bot, self.seconds, self.started = bot, seconds, threading.Event()

    def ask(self, text: str, **kw: Any) -> Any:
        self.started.set()
        time.sleep(self.seconds)
        return self._bot.ask(text, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)
