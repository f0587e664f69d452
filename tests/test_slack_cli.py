"""`coopbot serve slack` as a real process against the fake Slack: it answers, shows staff-only notes only
where staff alone read, and SIGTERM or SIGINT stops it within seconds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fakes.ports import accepting, free_port
from fakes.slack_api import APP_TOKEN, BOT_TOKEN, BOT_USER, SIGNING_SECRET, FakeSlackApi, Workspace, check_blocks
from fakes.slack_socket import FakeSocketModeServer

from adapters.slack.rendering import escape
from bot import label

ROOT = Path(__file__).resolve().parents[1]
COOPBOT = str(Path(sys.executable).with_name("coopbot"))
STOP_WITHIN = 10.0  # seconds from the signal to the exit


def start(slack_api: FakeSlackApi, log: Path, *args: str, **env: str) -> subprocess.Popen[bytes]:
    """`coopbot serve slack ARGS` with the fake's URL and test credentials; its output goes to `log`."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    environ |= {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": slack_api.url}
    environ |= {"COOPBOT_DB": str(log.parent / "coopbot.sqlite3")} | env
    with log.open("wb") as out:
        return subprocess.Popen([COOPBOT, "serve", "slack", *args], cwd=ROOT, env=environ, stdout=out, stderr=out)


def wait_until(ready: Callable[[], bool], proc: subprocess.Popen[bytes], log: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"coopbot serve slack did not come up:\n{log.read_text()}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes], sig: signal.Signals, log: Path) -> int:
    proc.send_signal(sig)
    try:
        return proc.wait(timeout=STOP_WITHIN)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError(f"still running {STOP_WITHIN}s after {sig.name}:\n{log.read_text()}") from None


def serve_http(slack_api: FakeSlackApi, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Workspace, Path]:
    port, log = free_port(), tmp_path / "coopbot.log"
    proc = start(slack_api, log, "--port", str(port), "--host", "127.0.0.1")
    wait_until(lambda: accepting(port), proc, log)
    return proc, Workspace(f"http://127.0.0.1:{port}/slack/events", slack_api), log


def test_serve_slack_answers_a_korean_mention_in_its_thread_and_an_english_dm_then_stops_on_sigterm(
    slack_api: FakeSlackApi, tmp_path: Path
) -> None:
    proc, slack, log = serve_http(slack_api, tmp_path)
    mention = slack.mention(f"<@{BOT_USER}> 몽골에는 나라장터를 언제 수출했어요?", "C_CLI")
    slack.dm("What year did Vietnam get KONEPS?", "D_CLI")
    [in_thread] = slack_api.wait_for("chat.postMessage", channel="C_CLI")
    [direct] = slack_api.wait_for("chat.postMessage", channel="D_CLI")
    for reply in (in_thread, direct):
        check_blocks(reply.blocks)
    assert in_thread.params["thread_ts"] == mention["ts"] and "2010" in in_thread.text
    assert direct.params.get("thread_ts") is None and "2008" in direct.text
    assert stop(proc, signal.SIGTERM, log) == 0
    assert BOT_TOKEN not in log.read_text() and SIGNING_SECRET not in log.read_text()


def test_a_slash_commands_response_url_never_reaches_the_log(slack_api: FakeSlackApi, tmp_path: Path) -> None:
    proc, slack, log = serve_http(slack_api, tmp_path)
    slack_api.fail("response_url", 500, times=10)  # failures are logged: the URL must not be in them
    _, url_id = slack.slash("What year did Vietnam get KONEPS?", "C_CLI_URL")
    slack_api.wait_faults_spent_at_least(1)
    time.sleep(0.5)
    assert stop(proc, signal.SIGTERM, log) == 0
    assert "possible loss" in log.read_text() and url_id not in log.read_text()


def test_serve_slack_stops_on_sigint(slack_api: FakeSlackApi, tmp_path: Path) -> None:
    proc, _, log = serve_http(slack_api, tmp_path)
    assert stop(proc, signal.SIGINT, log) == 0


def test_serve_slack_uses_socket_mode_when_an_app_token_is_set(slack_api: FakeSlackApi, tmp_path: Path) -> None:
    log = tmp_path / "coopbot.log"
    with FakeSocketModeServer() as ws:
        slack_api.socket_url = ws.url
        proc = start(slack_api, log, SLACK_APP_TOKEN=APP_TOKEN, SLACK_SIGNING_SECRET="")
        wait_until(lambda: ws.connections > 0, proc, log)
        slack = Workspace("unused", slack_api)
        ws.wait_ack(ws.push("events_api", slack.envelope(slack.dm_event("What year did Vietnam get KONEPS?", "D_S"))))
        assert "2008" in slack_api.wait_for("chat.postMessage", channel="D_S")[0].text
        assert stop(proc, signal.SIGTERM, log) == 0


def test_serve_slack_refuses_http_mode_without_a_signing_secret(slack_api: FakeSlackApi, tmp_path: Path) -> None:
    log = tmp_path / "coopbot.log"
    proc = start(slack_api, log, "--port", str(free_port()), SLACK_SIGNING_SECRET="")
    assert proc.wait(timeout=STOP_WITHIN) == 2
    assert "SLACK_SIGNING_SECRET" in log.read_text()


def test_serve_slack_shows_a_staff_note_in_an_internal_channel_and_not_where_outsiders_read(
    slack_api: FakeSlackApi, tmp_path: Path, staff_note: Any
) -> None:
    slack_api.set_channel("C_CLI_CONNECT", is_shared=True, is_ext_shared=True)  # Slack Connect
    slack_api.set_user("U_CLI_GUEST", is_restricted=True)
    proc, slack, log = serve_http(slack_api, tmp_path)
    slack.mention(f"<@{BOT_USER}> {staff_note.question}", "C_CLI_INTERNAL")
    slack.mention(f"<@{BOT_USER}> {staff_note.question}", "C_CLI_CONNECT")
    slack.dm(staff_note.question, "D_CLI_GUEST", user="U_CLI_GUEST")
    replies = {c: slack_api.wait_for("chat.postMessage", channel=c)[0] for c in ("C_CLI_INTERNAL", "C_CLI_CONNECT")}
    replies["D_CLI_GUEST"] = slack_api.wait_for("chat.postMessage", channel="D_CLI_GUEST")[0]
    assert stop(proc, signal.SIGTERM, log) == 0
    note, marker = escape(staff_note.note)[:40], f"[{label('internal', 'ko')}]"
    assert note in replies["C_CLI_INTERNAL"].text and marker in replies["C_CLI_INTERNAL"].text
    for outside in ("C_CLI_CONNECT", "D_CLI_GUEST"):
        assert note not in replies[outside].everything() and marker not in replies[outside].everything()
        assert replies[outside].text.split("\n")[0] == replies["C_CLI_INTERNAL"].text.split("\n")[0]  # same answer
