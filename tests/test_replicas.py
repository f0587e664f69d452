"""Several replicas as one, on a real Redis (started here on a free loopback port): a follow-up that lands on
another replica keeps its context, a Slack retry or replay that lands on another replica is answered once,
the per-person limit counts on every replica, a button made on one works on another, and a curator's
teaching on one replica is live on the other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import redis
from fakes.ports import accepting, free_port
from fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, Workspace, sign

from adapters import slack
from adapters.telegram_render import QuestionKeys
from bot import Coopbot, Runtime
from bot.convlog import Hasher
from bot.curation import Curation
from bot.knowledge import DEFAULT_DIR
from bot.limits import Admission
from bot.model import KnowledgeBase
from bot.shared import RedisSeen, RedisSessionStore, RedisUserLimit, connect, redis_caches
from bot.store import Database
from bot.watch import Watcher

REDIS = shutil.which("redis-server")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if REDIS is None:
        pytest.skip("redis-server is not installed (Debian package redis-server; .ci/run installs it)")
    port, workdir = free_port(), tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while not accepting(port):
        assert time.monotonic() < deadline and server.poll() is None, "redis-server did not start"
        time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)


@pytest.fixture
def client(redis_url: str) -> redis.Redis:
    found = connect(redis_url)
    found.flushdb()
    return found


def test_a_follow_up_on_another_replica_keeps_its_context(client: redis.Redis, kb: KnowledgeBase) -> None:
    first, second = Coopbot(kb, RedisSessionStore(client)), Coopbot(kb, RedisSessionStore(client))
    assert "2010" in str(first.ask("When was KONEPS exported to Mongolia?", session="s1").body)
    assert "2008" in str(second.ask("And Vietnam?", session="s1").body)


def test_a_pinned_language_holds_on_every_replica(client: redis.Redis, kb: KnowledgeBase) -> None:
    first, second = Coopbot(kb, RedisSessionStore(client)), Coopbot(kb, RedisSessionStore(client))
    first.command("lang", "ko", lang="en", session="s2")
    assert (
        second.language("s2") == "ko"
        and second.ask("When was KONEPS exported to Mongolia?", session="s2").language == "ko"
    )


def test_the_limit_counts_a_persons_questions_on_every_replica(client: redis.Redis) -> None:
    first, second = RedisUserLimit(client, 2), RedisUserLimit(client, 2)
    verdicts = [first.admit("u"), second.admit("u"), first.admit("u"), second.admit("u")]
    assert verdicts == [Admission.ANSWER, Admission.ANSWER, Admission.REFUSE, Admission.IGNORE]


def test_a_button_made_on_one_replica_works_on_another(client: redis.Redis) -> None:
    first, second = (QuestionKeys(cache=redis_caches(client).make("tg-keys", 10)) for _ in range(2))
    assert second.question(first.key("Which countries use KONEPS?")) == "Which countries use KONEPS?"


@pytest.fixture
def replicas(client: redis.Redis, slack_api: FakeSlackApi, kb: KnowledgeBase) -> Iterator[list[Workspace]]:
    """Two `serve slack` replicas, each with its own database, sharing Redis."""
    stop, threads, workspaces = threading.Event(), [], []
    for _ in range(2):
        port = free_port()
        settings = slack.Settings(
            bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
        )
        runtime = Runtime.with_database(
            Database(":memory:"),
            stop=stop,
            seen=RedisSeen(client),
            limit=RedisUserLimit(client, 0),
            caches=redis_caches(client),
        )
        thread = threading.Thread(
            target=slack.serve, args=(Coopbot(kb, RedisSessionStore(client)), settings, runtime), daemon=True
        )
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 10
        while not accepting(port):
            assert time.monotonic() < deadline
            time.sleep(0.05)
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


def test_a_curators_teaching_on_one_replica_is_live_on_the_other(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(DEFAULT_DIR, knowledge)
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


def test_serve_refuses_to_start_on_a_redis_that_does_not_answer(tmp_path: Path) -> None:
    command = Path(sys.executable).with_name("coopbot")
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "COOPBOT_DB": str(tmp_path / "db.sqlite3"),
        "COOPBOT_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",
    }
    run = subprocess.run(
        [str(command), "serve", "slack", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 2 and "cannot reach Redis" in run.stderr
