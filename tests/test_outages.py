"""Keep answering through failures of what coopbot depends on: a locked database, Redis gone, a Slack search
that fails. Each surface runs its real `serve` loop against the fake platform, in a thread, on a real
SQLite file (locked from another connection) or a real redis-server (killed and started again); readiness
is read on the metrics port, as an operator's probe would."""

from __future__ import annotations

import contextlib
import json
import pickle
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakes.ports import accepting, free_port, wait_accepting
from fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, Workspace
from fakes.telegram_api import ALICE, FakeTelegram
from servers import postgres_server, redis_server

from adapters import slack
from adapters import telegram as tg
from bot import TEXT, Admission, Coopbot, Health, Item, Runtime, UserLimit
from bot.factbase.model import KnowledgeBase
from bot.serving.database import Database
from bot.serving.inbox import DatabaseInbox
from bot.serving.sessions import DatabaseSessionStore
from bot.serving.shared import RedisSessionStore, RedisUserLimit, connect, redis_caches

BUSY = 0.3  # seconds a statement waits for the lock here (10 in serve): a locked database fails fast


def readyz(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def eventually(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@contextlib.contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another process's transaction holding the database's write lock (readers still read, in WAL mode)."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextlib.contextmanager
def running(serve: Callable[..., int], bot: Coopbot, settings: Any, runtime: Runtime) -> Iterator[Runtime]:
    thread = threading.Thread(target=serve, args=(bot, settings, runtime), daemon=True)
    thread.start()
    try:
        yield runtime
    finally:
        runtime.stop.set()
        thread.join(20)
        assert not thread.is_alive(), "serve did not stop"


def runtime_on(db: Database, ops: int, **options: Any) -> Runtime:
    """What `coopbot serve` builds: the inbox in `db`, readiness checking it, operations on port `ops`."""
    checks = {"database": db.readiness, **options.pop("checks", {})}
    options.setdefault("limit", UserLimit(0))
    return Runtime(inbox=DatabaseInbox(db), stop=threading.Event(), health=Health(checks), metrics_port=ops, **options)


def answers(telegram: FakeTelegram, text: str) -> int:
    return sum(text in s.text for s in telegram.replies(ALICE["id"]))


# -- the database --------------------------------------------------------------------------------------------


def test_telegram_polling_answers_once_what_came_while_the_database_was_locked(
    telegram: FakeTelegram, kb: KnowledgeBase, tmp_path: Path
) -> None:
    path, ops = tmp_path / "db.sqlite3", free_port()
    db = Database(path, busy=BUSY)
    settings = tg.Settings(token=telegram.token, base_url=telegram.base_url, poll_timeout=0.5)
    with running(tg.serve, Coopbot(kb, DatabaseSessionStore(db)), settings, runtime_on(db, ops)):
        wait_accepting(ops)
        with write_locked(path):
            telegram.say("When was KONEPS exported to Mongolia?")
            telegram.say("What year did Vietnam get KONEPS?")
            eventually(lambda: readyz(ops)[0] == 503, "readiness to fail")
            assert "database" in readyz(ops)[1]["problems"]
            time.sleep(1.0)
            assert telegram.replies(ALICE["id"]) == []  # not kept, so not confirmed: Telegram holds them
        replies = telegram.wait_replies(ALICE["id"], 2)
        assert "2010" in replies[0].text and "2008" in replies[1].text  # in the order they were asked
        eventually(lambda: readyz(ops)[0] == 200, "readiness to recover")
        time.sleep(0.5)
        assert len(telegram.replies(ALICE["id"])) == 2 and DatabaseInbox(db).depth("telegram") == 0


def test_a_telegram_webhook_refuses_updates_while_the_database_is_locked_and_takes_them_after(
    telegram: FakeTelegram, kb: KnowledgeBase, tmp_path: Path
) -> None:
    path, port, ops = tmp_path / "db.sqlite3", free_port(), free_port()
    db = Database(path, busy=BUSY)
    settings = tg.Settings(
        token=telegram.token,
        base_url=telegram.base_url,
        listen="127.0.0.1",
        port=port,
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret",
    )
    with running(tg.serve, Coopbot(kb), settings, runtime_on(db, ops)):
        telegram.wait_for(lambda: telegram.webhook.get("url") and accepting(port), what="the webhook server")
        message = telegram.say("When was KONEPS exported to Mongolia?")
        update = {"update_id": telegram.last_update_id, "message": message}
        with write_locked(path):
            assert telegram.push_webhook(update, "s3cret") == 503  # Telegram sends it again later
        assert telegram.push_webhook(update, "s3cret") == 200
        telegram.wait_replies(ALICE["id"])
        assert telegram.push_webhook(update, "s3cret") == 200  # delivered once more: answered once
        time.sleep(0.5)
        assert answers(telegram, "2010") == 1


@pytest.fixture
def slack_on_file(slack_api: FakeSlackApi, kb: KnowledgeBase, tmp_path: Path) -> Iterator[tuple[Workspace, Path, int]]:
    path, port, ops = tmp_path / "db.sqlite3", free_port(), free_port()
    db = Database(path, busy=BUSY)
    settings = slack.Settings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
    )
    with running(slack.serve, Coopbot(kb, DatabaseSessionStore(db)), settings, runtime_on(db, ops)):
        wait_accepting(port)
        wait_accepting(ops)
        yield Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api), path, ops


def test_slack_refuses_events_while_the_database_is_locked_and_answers_slacks_retry_once(
    slack_on_file: tuple[Workspace, Path, int], slack_api: FakeSlackApi
) -> None:
    workspace, path, ops = slack_on_file
    event = workspace.dm_event("When was KONEPS exported to Mongolia?", "D_LOCKED")
    with write_locked(path):
        assert workspace.send_event(event, event_id="EvLocked").status == 503
        assert readyz(ops)[0] == 503
    eventually(  # Slack sends it again, a while later (a minute, then five), until it is taken
        lambda: workspace.send_event(event, event_id="EvLocked", retry_num=1).status == 200, "the retry taken"
    )
    slack_api.wait_for("chat.postMessage", channel="D_LOCKED")
    eventually(lambda: readyz(ops)[0] == 200, "readiness to recover")
    time.sleep(0.5)
    assert len(slack_api.of("chat.postMessage", channel="D_LOCKED")) == 1


def test_a_slash_command_while_the_database_is_locked_is_acknowledged_and_answered_after(
    slack_on_file: tuple[Workspace, Path, int], slack_api: FakeSlackApi
) -> None:
    workspace, path, _ = slack_on_file
    with write_locked(path):
        reply, url_id = workspace.slash("When was KONEPS exported to Mongolia?", "C_LOCKED")
        assert reply.status == 200  # Slack never sends a command again: held until the inbox takes it
        time.sleep(0.5)
        assert slack_api.of("response_url", url_id=url_id) == []
    [answer] = slack_api.wait_for("response_url", url_id=url_id)
    assert "2010" in answer.text


def test_readiness_names_a_held_write_lock_at_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite3"
    db = Database(path)
    with write_locked(path):
        started = time.monotonic()
        problem = db.readiness()
        assert problem is not None and "cannot be written" in problem
        assert time.monotonic() - started < 5  # the probe's own short wait, not the writers' ten seconds
    assert db.readiness() is None


def test_a_new_database_and_its_directory_are_private_to_the_bot(tmp_path: Path) -> None:
    path = tmp_path / "var" / "coopbot.sqlite3"
    Database(path).write("INSERT INTO seen (key, expires) VALUES (?, ?)", [("k", 1.0)])
    assert path.parent.stat().st_mode & 0o777 == 0o700
    for made in (path, path.with_name(path.name + "-wal")):
        assert made.stat().st_mode & 0o777 == 0o600, made


def test_a_postgresql_that_is_not_up_yet_is_used_once_it_answers(tmp_path: Path) -> None:
    port = free_port()
    db = Database(f"postgresql://postgres@127.0.0.1:{port}/coopbot", busy=1.0)  # nothing listens there yet
    problem = db.readiness()
    assert problem is not None and "connect" in problem.lower()
    with postgres_server(port):
        eventually(lambda: db.readiness() is None, "readiness once PostgreSQL answers")
        inbox = DatabaseInbox(db)
        assert inbox.add([Item("slack", "Ev1", "C1", "{}", time.time())]) == [True]  # the schema is there now
        assert [i.key for i in inbox.due("slack")] == ["Ev1"]


# -- Redis -------------------------------------------------------------------------------------------------


def test_slack_keeps_answering_while_redis_is_down_and_readiness_says_so(
    slack_api: FakeSlackApi, kb: KnowledgeBase, tmp_path: Path
) -> None:
    redis_port, port, ops = free_port(), free_port(), free_port()
    with contextlib.ExitStack() as first_redis:
        shared = connect(first_redis.enter_context(redis_server(redis_port)))
        runtime = runtime_on(
            Database(tmp_path / "db.sqlite3"),
            ops,
            checks={"redis": shared.readiness},
            caches=redis_caches(shared),
            limit=RedisUserLimit(shared, 20),
        )
        settings = slack.Settings(
            bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
        )
        with running(slack.serve, Coopbot(kb, RedisSessionStore(shared)), settings, runtime):
            wait_accepting(port)
            workspace = Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api)
            workspace.dm("When was KONEPS exported to Mongolia?", "D_REDIS")
            slack_api.wait_for("chat.postMessage", channel="D_REDIS")
            first_redis.close()  # Redis is gone: the conversation, the limit and the caches with it
            workspace.dm("What year did Vietnam get KONEPS?", "D_REDIS")
            slack_api.wait_for("chat.postMessage", 2, channel="D_REDIS")
            status, body = readyz(ops)
            assert status == 503 and "redis" in body["problems"]
            with redis_server(redis_port):
                eventually(lambda: readyz(ops)[0] == 200, "readiness once Redis is back")
                workspace.dm("When was KONEPS exported to Mongolia?", "D_REDIS")
                slack_api.wait_for("chat.postMessage", 3, channel="D_REDIS")


class Planted:
    """What unpickling would run: it leaves a file behind."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (Path.touch, (self.marker,))


def test_a_planted_value_in_any_shared_key_is_a_miss_and_runs_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with redis_server() as url:
        shared = connect(url)
        caches = redis_caches(shared)
        bot = Coopbot(kb, RedisSessionStore(shared))
        bot.ask("When was KONEPS exported to Mongolia?", session="s")
        keys = caches.make("tg-keys", 10, TEXT)
        keys.put("k", "What year did Vietnam get KONEPS?")
        limit = RedisUserLimit(shared, 20)
        limit.admit("u")
        planted = list(shared.client.scan_iter("coopbot:*"))
        assert len(planted) >= 3  # a conversation, a button's question, a person's count
        for plant in (lambda key: shared.client.set(key, pickle.dumps(Planted(marker))),
                      lambda key: shared.client.rpush(key, "not ours")):  # fmt: skip
            for key in planted:
                shared.client.delete(key)
                plant(key)
            assert keys.get("k") is None
            assert limit.admit("u") is Admission.ANSWER
            assert bot.ask("When was KONEPS exported to Mongolia?", session="s").kind == "answer"
    assert not marker.exists()


# -- the sweep ----------------------------------------------------------------------------------------------


def test_an_item_stranded_in_the_inbox_is_answered_without_a_restart(
    telegram: FakeTelegram, kb: KnowledgeBase, tmp_path: Path
) -> None:
    db = Database(tmp_path / "db.sqlite3")
    settings = tg.Settings(token=telegram.token, base_url=telegram.base_url, poll_timeout=0.5)
    with running(tg.serve, Coopbot(kb), settings, runtime_on(db, free_port())):
        telegram.say("When was KONEPS exported to Mongolia?")
        telegram.wait_replies(ALICE["id"])
        chat = {"id": ALICE["id"], "type": "private", "first_name": "Alice"}
        message = {"message_id": 9999, "from": ALICE, "chat": chat, "date": int(time.time()),
                   "text": "What year did Vietnam get KONEPS?"}  # fmt: skip
        update = {"update_id": 99, "message": message}
        DatabaseInbox(db).add([Item("telegram", "99", str(ALICE["id"]), json.dumps(update), time.time())])
        telegram.wait_replies(ALICE["id"], 2)  # a write that half failed left it there, unqueued
        assert "2008" in telegram.replies(ALICE["id"])[1].text


def test_a_resumed_slack_reply_waits_while_slack_cannot_say_whether_it_arrived(
    slack_api: FakeSlackApi, kb: KnowledgeBase, tmp_path: Path
) -> None:
    db = Database(tmp_path / "db.sqlite3")
    workspace = Workspace("http://unused/slack/events", slack_api)
    event = workspace.dm_event("When was KONEPS exported to Mongolia?", "D_RESUMED")
    stored = {
        "mode": "http",
        "body": json.dumps(workspace.envelope(event, "EvResumed")),
        "content_type": "application/json",
    }
    inbox = DatabaseInbox(db)
    inbox.add([Item("slack", "EvResumed", "D_RESUMED", json.dumps(stored), time.time())])
    inbox.claim("slack", "EvResumed")  # a previous run began answering it, then stopped
    slack_api.fail("conversations.history", 500, times=4)
    port = free_port()
    settings = slack.Settings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
    )
    with running(slack.serve, Coopbot(kb), settings, runtime_on(db, free_port())):
        slack_api.wait_for("chat.postMessage", channel="D_RESUMED", timeout=20)
        failed_searches = [s for m, s in slack_api.attempts if m == "conversations.history" and s == 500]
        assert len(failed_searches) == 4  # searched until Slack could say, and only then posted
        time.sleep(0.5)
        assert len(slack_api.of("chat.postMessage", channel="D_RESUMED")) == 1
