"""Several replicas as one, on a real Redis (started here on a free loopback port): a follow-up that lands on
another replica keeps its context, a Slack retry or replay that lands on another replica is answered once,
the per-person limit counts on every replica, a button made on one works on another, and a curator's
teaching on one replica is live on the other."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from asked import logging_asker
from fakes.ports import free_port, wait_accepting
from fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, Workspace, sign
from fakes.telegram_api import ALICE, FakeTelegram
from servers import postgres_server, redis_server

from adapters import slack
from adapters import telegram as tg
from adapters.telegram.rendering import QuestionKeys
from bot import TEXT, Coopbot, Runtime
from bot.curation.desk import Curation
from bot.curation.feedback import Feedback
from bot.curation.report import build
from bot.factbase.model import KnowledgeBase
from bot.serving.convlog import DatabaseConversationLog, Hasher, Recorder
from bot.serving.database import Database
from bot.serving.inbox import DatabaseInbox, Item, SeenInbox
from bot.serving.limits import Admission
from bot.serving.sessions import DatabaseSessionStore
from bot.serving.shared import RedisSeen, RedisSessionStore, RedisUserLimit, Shared, connect, redis_caches
from bot.serving.watch import Watcher


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg(postgres_url: str) -> Database:
    db = Database(postgres_url)
    db.write("TRUNCATE inbox, seen, sessions, questions, feedback, dismissed")
    return db


class RoundRobin:
    """A small HTTP proxy in front of replicas: each request goes to the next one in turn."""

    def __init__(self, backends: list[int]) -> None:
        self.backends, self.turn, self.lock = backends, 0, threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                with proxy.lock:
                    port = proxy.backends[proxy.turn % len(proxy.backends)]
                    proxy.turn += 1
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request("POST", self.path, body, headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def client(redis_url: str) -> Shared:
    found = connect(redis_url)
    found.client.flushdb()
    return found


def test_a_follow_up_on_another_replica_keeps_its_context(client: Shared, kb: KnowledgeBase) -> None:
    first, second = Coopbot(kb, RedisSessionStore(client)), Coopbot(kb, RedisSessionStore(client))
    assert "2010" in str(first.ask("When was KONEPS exported to Mongolia?", session="s1").body)
    assert "2008" in str(second.ask("And Vietnam?", session="s1").body)


def test_a_pinned_language_holds_on_every_replica(client: Shared, kb: KnowledgeBase) -> None:
    first, second = Coopbot(kb, RedisSessionStore(client)), Coopbot(kb, RedisSessionStore(client))
    first.command("lang", "ko", lang="en", session="s2")
    assert (
        second.language("s2") == "ko"
        and second.ask("When was KONEPS exported to Mongolia?", session="s2").language == "ko"
    )


def test_the_limit_counts_a_persons_questions_on_every_replica(client: Shared) -> None:
    first, second = RedisUserLimit(client, 2), RedisUserLimit(client, 2)
    verdicts = [first.admit("u"), second.admit("u"), first.admit("u"), second.admit("u")]
    assert verdicts == [Admission.ANSWER, Admission.ANSWER, Admission.REFUSE, Admission.IGNORE]


def test_a_button_made_on_one_replica_works_on_another(client: Shared) -> None:
    first, second = (QuestionKeys(cache=redis_caches(client).make("tg-keys", 10, TEXT)) for _ in range(2))
    assert second.question(first.key("Which countries use KONEPS?")) == "Which countries use KONEPS?"


@pytest.fixture
def replicas(client: Shared, slack_api: FakeSlackApi, kb: KnowledgeBase) -> Iterator[list[Workspace]]:
    """Two `serve slack` replicas, each with its own database, sharing Redis."""
    stop, threads, workspaces = threading.Event(), [], []
    for _ in range(2):
        port = free_port()
        settings = slack.Settings(
            bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
        )
        db = Database(":memory:")
        runtime = Runtime(
            stop=stop,
            inbox=SeenInbox(DatabaseInbox(db), RedisSeen(client)),  # as serve does with Redis and a SQLite file each
            limit=RedisUserLimit(client, 0),
            caches=redis_caches(client),
        )
        thread = threading.Thread(
            target=slack.serve, args=(Coopbot(kb, RedisSessionStore(client)), settings, runtime), daemon=True
        )
        thread.start()
        threads.append(thread)
        wait_accepting(port)
        workspaces.append(Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api))
    yield workspaces
    stop.set()
    for thread in threads:
        thread.join(15)


def test_a_slack_retry_that_lands_on_the_other_replica_is_answered_once(
    replicas: list[Workspace], slack_api: FakeSlackApi
) -> None:
    first, second = replicas
    event = first.dm_event("What year did Vietnam get KONEPS?", "D_REPLICA")
    assert first.send_event(event, event_id="EvReplica1").status == 200
    assert second.send_event(event, event_id="EvReplica1", retry_num=1).status == 200
    second.dm("When was KONEPS exported to Mongolia?", "D_REPLICA")
    slack_api.wait_for("chat.postMessage", channel="D_REPLICA", containing="2010")
    assert len(slack_api.of("chat.postMessage", channel="D_REPLICA", containing="2008")) == 1


def test_a_replayed_request_that_lands_on_the_other_replica_is_ignored(
    replicas: list[Workspace], slack_api: FakeSlackApi
) -> None:
    form, url_id = replicas[0].slash_form("What year did Vietnam get KONEPS?", "C_REPLAY2")
    body = urlencode(form)
    headers = sign(body)
    statuses = [w.post(body, "application/x-www-form-urlencoded", headers).status for w in (*replicas, *replicas)]
    assert statuses == [200] * 4
    slack_api.wait_for("response_url", url_id=url_id)
    time.sleep(0.5)
    assert len(slack_api.of("response_url", url_id=url_id)) == 1


def test_a_curators_teaching_on_one_replica_is_live_on_the_other(tmp_path: Path, knowledge_copy: Path) -> None:
    knowledge = knowledge_copy
    first, second, stop = Coopbot.from_dir(knowledge), Coopbot.from_dir(knowledge), threading.Event()
    Watcher(second, stop).start()
    try:
        time.sleep(0.3)
        fact = first.kb.facts[0]
        db = Database(tmp_path / "db.sqlite3")
        Curation(first, db, Hasher.beside(tmp_path / "db.sqlite3"), frozenset({"U1"})).teach(
            ["How many trainees came from Peru?"], fact.id, "U1"
        )
        deadline = time.monotonic() + 10
        while fact.id not in second.ask("How many trainees came from Peru?").facts:
            assert time.monotonic() < deadline, "the other replica did not take the teaching"
            time.sleep(0.1)
    finally:
        stop.set()


def test_serve_starts_before_redis_answers_says_so_and_uses_it_once_it_does(
    tmp_path: Path, slack_api: FakeSlackApi
) -> None:
    redis_port, port, ops = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
        "COOPBOT_DB": str(tmp_path / "db.sqlite3"),
        "COOPBOT_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
    }
    command = [str(Path(sys.executable).with_name("coopbot")), "serve", "slack", "--port", str(port)]
    process = subprocess.Popen([*command, "--metrics-port", str(ops)], env=env, stderr=subprocess.PIPE, text=True)
    try:
        wait_accepting(ops)
        status, body = ready(ops)
        assert status == 503 and "redis" in body["problems"], body
        workspace = Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api)
        workspace.dm("When was KONEPS exported to Mongolia?", "D_NO_REDIS")  # answered all the same
        slack_api.wait_for("chat.postMessage", channel="D_NO_REDIS")
        with redis_server(redis_port) as url:
            deadline = time.monotonic() + 10
            while ready(ops)[0] != 200:
                assert time.monotonic() < deadline, "readiness did not recover once Redis answered"
                time.sleep(0.1)
            workspace.dm("And Vietnam?", "D_NO_REDIS")
            slack_api.wait_for("chat.postMessage", 2, channel="D_NO_REDIS")
            assert connect(url).client.keys("coopbot:session:*")  # the conversation is kept in Redis now
    finally:
        process.terminate()
        process.wait(20)


def ready(port: int) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_database_works_on_postgresql(pg: Database, kb: KnowledgeBase) -> None:
    inbox = DatabaseInbox(pg, owner="a")
    item = Item("slack", "Ev1", "C1", "{}", time.time())
    assert inbox.add([item, item]) == [True, False] and [i.key for i in inbox.due("slack")] == ["Ev1"]
    assert inbox.claim("slack", "Ev1") == 0
    inbox.done("slack", "Ev1")
    assert inbox.depth("slack") == 0 and inbox.claim("slack", "Ev1") is None
    log = DatabaseConversationLog(pg)
    ask = logging_asker(Coopbot(kb, DatabaseSessionStore(pg)), Recorder(log, Hasher.of(pg)), "slack")
    answer = ask("What year did Vietnam get KONEPS?", session="s", person="U1")
    ask("Peru trainees?", session="s", person="U1")
    log.flush()
    Feedback(pg, Hasher.of(pg)).comment(str(answer.ref), "U1", "the amount")
    report = build(pg, kb, 0.0, pg.problem())
    assert report.totals.questions == 2 and report.unanswered[0].examples == ("Peru trainees?",)
    assert report.feedback[0].comments == ("the amount",) and report.database.ok
    log.close()


def test_replicas_on_postgresql_hash_a_person_alike_and_leave_each_other_their_items(
    pg: Database, postgres_url: str
) -> None:
    other = Database(postgres_url)
    assert Hasher.of(pg)("U1") == Hasher.of(other)("U1")
    DatabaseInbox(pg, owner="a").add([Item("slack", "Ev2", "C1", "{}", time.time())])
    assert DatabaseInbox(other, owner="b").due("slack") == []  # a is answering it
    an_hour_ago = Database(postgres_url, clock=lambda: time.time() - 3600)
    DatabaseInbox(an_hour_ago, owner="a").add([Item("slack", "Ev3", "C1", "{}", time.time() - 3600)])
    assert [i.key for i in DatabaseInbox(other, owner="b").due("slack")] == ["Ev3"]  # a's lease lapsed long ago


def test_two_replicas_behind_a_round_robin_proxy_behave_as_one(
    client: Shared, pg: Database, postgres_url: str, slack_api: FakeSlackApi, kb: KnowledgeBase
) -> None:
    stop, threads, ports = threading.Event(), [], []
    for name in ("a", "b"):
        port = free_port()
        settings = slack.Settings(
            bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
        )
        db = Database(postgres_url)
        runtime = Runtime(
            stop=stop,
            inbox=DatabaseInbox(db, owner=name),
            limit=RedisUserLimit(client, 0),
            caches=redis_caches(client),
        )
        bot = Coopbot(kb, RedisSessionStore(client))
        threads.append(threading.Thread(target=slack.serve, args=(bot, settings, runtime), daemon=True))
        threads[-1].start()
        ports.append(port)
    for port in ports:
        wait_accepting(port)
    proxy = RoundRobin(ports)
    try:
        workspace = Workspace(f"http://127.0.0.1:{proxy.port}/slack/events", slack_api)
        event = workspace.dm_event("When was KONEPS exported to Mongolia?", "D_RR")
        assert workspace.send_event(event, event_id="EvRR1").status == 200  # replica a
        assert workspace.send_event(event, event_id="EvRR1", retry_num=1).status == 200  # b: a retry
        slack_api.wait_for("chat.postMessage", channel="D_RR", containing="2010")
        workspace.dm("And Vietnam?", "D_RR")  # lands on a again; the next on b
        workspace.dm("출처는?", "D_RR")
        slack_api.wait_for("chat.postMessage", 3, channel="D_RR")
        texts = [c.text for c in slack_api.of("chat.postMessage", channel="D_RR")]
        assert sum("2010" in t for t in texts) == 1 and "2008" in texts[1], texts
        deadline = time.monotonic() + 5
        while DatabaseInbox(pg).depth("slack"):  # the last one is marked answered just after its reply
            assert time.monotonic() < deadline, "a request was left unanswered"
            time.sleep(0.05)
    finally:
        proxy.close()
        stop.set()
        for thread in threads:
            thread.join(15)


def test_two_telegram_webhook_replicas_behind_a_round_robin_proxy_behave_as_one(
    client: Shared, pg: Database, postgres_url: str, telegram: FakeTelegram, kb: KnowledgeBase
) -> None:
    stop, threads, ports = threading.Event(), [], [free_port(), free_port()]
    proxy = RoundRobin(ports)
    try:
        for name, port in zip(("a", "b"), ports, strict=True):
            settings = tg.Settings(
                token=telegram.token,
                base_url=telegram.base_url,
                listen="127.0.0.1",
                port=port,
                webhook_url=f"http://127.0.0.1:{proxy.port}/hook",
                secret_token="s3cret",
            )
            runtime = Runtime(
                stop=stop,
                inbox=DatabaseInbox(Database(postgres_url), owner=name),
                limit=RedisUserLimit(client, 0),
                caches=redis_caches(client),
            )
            threads.append(
                threading.Thread(
                    target=tg.serve, args=(Coopbot(kb, RedisSessionStore(client)), settings, runtime), daemon=True
                )
            )
            threads[-1].start()
        for port in ports:
            wait_accepting(port)
        message = telegram.say("When was KONEPS exported to Mongolia?")  # pushed through the proxy to a
        telegram.wait_replies(ALICE["id"])
        update = {"update_id": telegram.last_update_id, "message": message}
        assert telegram.push_webhook(update, "s3cret") == 200  # delivered again, to b
        telegram.say("And Vietnam?")  # to a: the conversation began there and goes on
        replies = telegram.wait_replies(ALICE["id"], 2)
        time.sleep(0.3)
        assert len(telegram.replies(ALICE["id"])) == 2 and "2008" in replies[1].text
    finally:
        proxy.close()
        stop.set()
        for thread in threads:
            thread.join(15)
