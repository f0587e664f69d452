"""Socket Mode: apps.connections.open on the fake Web API hands out a local fake WebSocket, which
pushes envelopes to the adapter and expects each acknowledged."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fakes.slack_api import APP_TOKEN, BOT_TOKEN, BOT_USER, FakeSlackApi, Workspace, check_blocks
from fakes.slack_socket import FakeSocketModeServer

from adapters.slack import serve
from adapters.slack.settings import Settings
from bot import Coopbot, Runtime
from bot.serving.database import Database
from bot.serving.inbox import DatabaseInbox


@pytest.fixture(scope="module")
def socket(slack_api: FakeSlackApi, bot: Coopbot) -> Iterator[tuple[FakeSlackApi, FakeSocketModeServer, Workspace]]:
    with FakeSocketModeServer() as ws:
        slack_api.socket_url = ws.url
        settings = Settings(bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=slack_api.url)  # no signing secret needed
        runtime = Runtime(inbox=DatabaseInbox(Database(":memory:")), stop=threading.Event())
        runner = threading.Thread(target=serve, args=(bot, settings, runtime), daemon=True)
        runner.start()
        yield slack_api, ws, Workspace("unused: events come over the socket", slack_api)
        runtime.stop.set()
        runner.join(timeout=10)
        assert not runner.is_alive(), "Socket Mode did not close within 10 s"


def test_event_over_the_socket_is_acknowledged_and_answered_in_its_thread(
    socket: tuple[FakeSlackApi, FakeSocketModeServer, Workspace],
) -> None:
    api, ws, slack = socket
    event = slack.mention_event(f"<@{BOT_USER}> 몽골에는 나라장터를 언제 수출했어요?", "C_SOCKET")
    envelope_id = ws.push("events_api", slack.envelope(event))
    assert ws.wait_ack(envelope_id) == {"envelope_id": envelope_id}
    [reply] = api.wait_for("chat.postMessage", channel="C_SOCKET")
    check_blocks(reply.blocks)
    assert reply.params["thread_ts"] == event["ts"] and "2010" in reply.text
    assert api.of("apps.connections.open")[0].token == APP_TOKEN


def test_redelivered_envelope_of_an_event_is_answered_once(
    socket: tuple[FakeSlackApi, FakeSocketModeServer, Workspace],
) -> None:
    api, ws, slack = socket
    envelope = slack.envelope(slack.dm_event("What year did Vietnam get KONEPS?", "D_SOCKET"), "EvSOCKET1")
    ws.wait_ack(ws.push("events_api", envelope))
    api.wait_for("chat.postMessage", channel="D_SOCKET")
    ws.wait_ack(ws.push("events_api", envelope, retry=1))
    ws.wait_ack(ws.push("events_api", slack.envelope(slack.dm_event("몽골에는 언제 수출했어요?", "D_SOCKET"))))
    api.wait_for("chat.postMessage", channel="D_SOCKET", containing="2010")
    assert len(api.of("chat.postMessage", channel="D_SOCKET", containing="2008")) == 1


def test_slash_command_over_the_socket_is_answered_to_the_asker(
    socket: tuple[FakeSlackApi, FakeSocketModeServer, Workspace],
) -> None:
    api, ws, _ = socket
    command = {"team_id": "TPPS00001", "channel_id": "C_SOCKET_CMD", "user_id": "U_MINJI", "command": "/coop",
               "text": "What year did Vietnam get KONEPS?", "response_url": api.response_url("sockcmd"),
               "trigger_id": "t1", "api_app_id": "ACOOPBOT1"}  # fmt: skip
    ws.wait_ack(ws.push("slash_commands", command))
    [answer] = api.wait_for("response_url", url_id="sockcmd")
    check_blocks(answer.blocks)
    assert answer.params["response_type"] == "ephemeral" and "2008" in answer.text
