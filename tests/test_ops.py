"""Health and metrics in every serve mode: /healthz, /readyz and /metrics answer, and what /metrics counts
matches what the fake platforms saw."""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fakes.ports import free_port, wait_accepting
from fakes.slack_api import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlackApi, Workspace
from fakes.slack_socket import FakeSocketModeServer
from fakes.telegram_api import ALICE, FakeTelegram

from adapters import slack
from adapters import telegram as tg
from bot import Coopbot, Runtime, UserLimit
from bot.factbase.model import KnowledgeBase
from bot.serving.database import Database
from bot.serving.inbox import DatabaseInbox


def get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text exposition."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and line.split(" ")[0] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        if all(found.get(k) == v for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def running() -> Iterator[Callable[..., Runtime]]:
    """Start a surface's `serve` in a thread with a fresh runtime; stopped at the end."""
    started: list[tuple[threading.Thread, Runtime]] = []

    def start(serve: Callable[..., int], bot: Coopbot, settings: Any, **options: Any) -> Runtime:
        runtime = Runtime(
            inbox=DatabaseInbox(Database(":memory:")), stop=threading.Event(), limit=UserLimit(0), **options
        )
        thread = threading.Thread(target=serve, args=(bot, settings, runtime), daemon=True)
        thread.start()
        started.append((thread, runtime))
        return runtime

    yield start
    for thread, runtime in started:
        runtime.stop.set()
        thread.join(15)


def scraped(port: int, name: str, expected: float, **labels: str) -> float:
    """The metric once it reaches `expected` (a reply is counted when its call returns, just after the fake saw it)."""
    deadline = time.monotonic() + 5
    while (value := metric(get(port, "/metrics")[1], name, **labels)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def assert_ops(port: int) -> str:
    assert get(port, "/healthz") == (200, "ok\n")
    status, body = get(port, "/readyz")
    assert status == 200 and json.loads(body) == {"ready": True, "problems": {}, "degraded": {}}
    status, exposition = get(port, "/metrics")
    assert status == 200 and "coopbot_questions_total" in exposition
    return exposition


def assert_public(port: int) -> None:
    """The platform's own port: alive and ready, nothing more (no metrics, no details of what is wrong)."""
    assert get(port, "/healthz") == (200, "ok\n")
    assert get(port, "/readyz") == (200, '{"ready": true}')
    assert get(port, "/metrics")[0] == 404


def test_slack_http_serves_ops_on_the_metrics_port_and_counts_what_slack_saw(
    running: Callable[..., Runtime], slack_api: FakeSlackApi, kb: KnowledgeBase
) -> None:
    port, ops = free_port(), free_port()
    settings = slack.Settings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, host="127.0.0.1", port=port
    )
    running(slack.serve, Coopbot(kb), settings, metrics_port=ops)
    wait_accepting(port)
    wait_accepting(ops)
    workspace = Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api)
    for n in range(3):
        workspace.dm("What year did Vietnam get KONEPS?", f"D_OPS{n}")
        slack_api.wait_for("chat.postMessage", channel=f"D_OPS{n}")
    assert_public(port)
    exposition = assert_ops(ops)
    posted = len([c for c in slack_api.of("chat.postMessage") if c.params["channel"].startswith("D_OPS")])
    assert metric(exposition, "coopbot_questions_total", surface="slack", kind="answer", lang="en") == 3
    assert scraped(ops, "coopbot_platform_api_calls_total", posted, method="chat.postMessage", outcome="ok") == posted
    assert metric(exposition, "coopbot_inbox_depth", surface="slack") == 0
    assert scraped(ops, "coopbot_update_to_reply_seconds_count", 3, surface="slack") == 3


def test_slack_socket_mode_serves_ops_on_the_metrics_port(
    running: Callable[..., Runtime], slack_api: FakeSlackApi, kb: KnowledgeBase
) -> None:
    with FakeSocketModeServer() as ws:
        slack_api.socket_url = ws.url
        port = free_port()
        settings = slack.Settings(bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=slack_api.url)
        running(slack.serve, Coopbot(kb), settings, metrics_port=port)
        wait_accepting(port)
        assert_ops(port)


def test_telegram_polling_serves_ops_on_the_metrics_port_and_counts_what_telegram_saw(
    running: Callable[..., Runtime], telegram: FakeTelegram, kb: KnowledgeBase
) -> None:
    port = free_port()
    settings = tg.Settings(token=telegram.token, base_url=telegram.base_url)
    running(tg.serve, Coopbot(kb), settings, metrics_port=port)
    wait_accepting(port)
    for _ in range(2):
        telegram.say("What year did Vietnam get KONEPS?")
    telegram.wait_replies(ALICE["id"], 2)
    exposition = assert_ops(port)
    sent = len(telegram.replies(ALICE["id"]))
    assert scraped(port, "coopbot_platform_api_calls_total", sent, method="sendMessage", outcome="ok") == sent
    assert metric(exposition, "coopbot_questions_total", surface="telegram", kind="answer", lang="en") == 2


def webhook_settings(telegram: FakeTelegram, port: int) -> tg.Settings:
    return tg.Settings(
        token=telegram.token,
        base_url=telegram.base_url,
        listen="127.0.0.1",
        port=port,
        webhook_url=f"http://127.0.0.1:{port}/hook",
        secret_token="s3cret",
    )


def test_telegram_webhook_serves_ops_on_the_metrics_port_and_only_liveness_beside_the_webhook(
    running: Callable[..., Runtime], telegram: FakeTelegram, kb: KnowledgeBase
) -> None:
    port, ops = free_port(), free_port()
    running(tg.serve, Coopbot(kb), webhook_settings(telegram, port), metrics_port=ops)
    wait_accepting(port)
    wait_accepting(ops)
    assert_public(port)
    assert_ops(ops)


def test_the_platforms_port_serves_metrics_and_details_only_when_told(
    running: Callable[..., Runtime], telegram: FakeTelegram, kb: KnowledgeBase
) -> None:
    port = free_port()
    running(tg.serve, Coopbot(kb), webhook_settings(telegram, port), public_ops=True)
    wait_accepting(port)
    assert_ops(port)


def test_readiness_says_what_is_wrong(
    running: Callable[..., Runtime], telegram: FakeTelegram, kb: KnowledgeBase
) -> None:
    port = free_port()
    settings = tg.Settings(token=telegram.token, base_url=telegram.base_url)
    runtime = running(tg.serve, Coopbot(kb), settings, metrics_port=port)
    wait_accepting(port)
    runtime.health.checks["database"] = lambda: "the database does not answer: disk I/O error"
    status, body = get(port, "/readyz")
    assert status == 503 and json.loads(body)["problems"] == {
        "database": "the database does not answer: disk I/O error"
    }


def test_readiness_lists_what_is_degraded_and_stays_ready(
    running: Callable[..., Runtime], telegram: FakeTelegram, kb: KnowledgeBase
) -> None:
    port = free_port()
    settings = tg.Settings(token=telegram.token, base_url=telegram.base_url)
    runtime = running(tg.serve, Coopbot(kb), settings, metrics_port=port)
    wait_accepting(port)
    runtime.health.notes["fact base"] = lambda: "the fact base's files have 2 problem(s); serving the last good one"
    status, body = get(port, "/readyz")
    assert status == 200 and json.loads(body) == {
        "ready": True,
        "problems": {},
        "degraded": {"fact base": "the fact base's files have 2 problem(s); serving the last good one"},
    }
