"""The Slack surface for PPS staff: `coopbot serve slack`.

It only translates: a mention, a direct message, the /coop command or a button -> the per-question policy
and `Coopbot` -> the Answer as Block Kit -> chat.postMessage or the response_url. Socket Mode when
SLACK_APP_TOKEN is set, else HTTP on --port; either way a request is kept in the inbox before it is
acknowledged. SLACK_API_URL points the Web API (and so apps.connections.open) elsewhere.

- `settings`: what it is configured with; `client`: the Web API clients;
- `intake`: requests checked, kept in the inbox, acknowledged, answered by per-conversation workers; the
  HTTP server and Socket Mode;
- `listeners`: questions (mentions, DMs, /coop, buttons, the Home tab); `feedback`: 👍/👎 and comments;
  `curators`: the curators' report, teaching and status;
- `conversations`: where a reply goes; `delivery`: posting never twice; `audience`: who reads a
  conversation (staff, or the public where guests or other organisations do); `rendering`: Block Kit.

The Slack app needs: bot scopes app_mentions:read, chat:write, im:history, im:write, commands, and
channels:history, groups:history, mpim:history (to look for a reply after an ambiguous failure), and
channels:read, groups:read, im:read, mpim:read, users:read (to tell guests and conversations shared
with other organisations, which get the public audience); events app_mention, message.im,
app_home_opened; interactivity on; the /coop command; the Home tab. In HTTP mode, the request URL of
events, interactivity and the command is http(s)://HOST/slack/events.
"""

from __future__ import annotations

import argparse
import logging
import threading
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Protocol

from slack_bolt import App
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from adapters.slack.client import send_retry_handlers, web_client
from adapters.slack.curators import Curators
from adapters.slack.delivery import ClickLimit, Delivery
from adapters.slack.feedback import FeedbackListeners
from adapters.slack.intake import ConversationWorkers, Intake, answerer, serve_http, serve_socket_mode, sweep_until
from adapters.slack.listeners import SlackListeners
from adapters.slack.settings import DEFAULT_HOST, DEFAULT_PORT, SURFACE, Settings
from bot import Coopbot, NotConfigured, Runtime, Sweeper

log = logging.getLogger("coopbot.slack")

WORKERS = 16  # requests answered at once (each conversation in order)


class SlackSurface:
    name = "slack"

    def configured(self, env: Mapping[str, str]) -> bool:
        return bool(env.get("SLACK_BOT_TOKEN"))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="HTTP mode port (default %(default)s)")
        parser.add_argument("--host", default=DEFAULT_HOST, help="HTTP mode address (default %(default)s)")

    def settings(self, args: argparse.Namespace, env: Mapping[str, str]) -> Settings:
        settings = Settings(
            bot_token=env.get("SLACK_BOT_TOKEN", ""),
            signing_secret=env.get("SLACK_SIGNING_SECRET", ""),
            app_token=env.get("SLACK_APP_TOKEN", ""),
            api_url=env.get("SLACK_API_URL", ""),
            host=args.host,
            port=args.port,
            audience=args.audience or "staff",
            lang=args.lang,
            curator_channel=env.get("COOPBOT_CURATOR_CHANNEL", ""),
        )
        problems = []
        if not settings.bot_token:
            problems.append("set SLACK_BOT_TOKEN to serve on Slack")
        if not settings.app_token and not settings.signing_secret:
            # An empty secret would make every forged signature "valid": refuse rather than run open.
            problems.append("HTTP mode needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)")
        if problems:
            raise NotConfigured(problems)
        return settings

    def run(self, bot: Coopbot, settings: Settings, runtime: Runtime) -> int:
        return serve(bot, settings, runtime)


surface = SlackSurface()


class Registering(Protocol):
    def register(self, app: App) -> None: ...


def build_app(listeners: Sequence[Registering], settings: Settings, runtime: Runtime | None = None) -> App:
    """The Bolt app that answers requests from the inbox; calls auth.test once (Bolt verifies the token and
    learns the bot's own user id). The signature was checked when the request was taken (slack_intake.py),
    once, so Bolt's own check, which would refuse a request answered after a restart, is off here."""
    app = App(
        client=web_client(settings.bot_token, settings.api_url, runtime=runtime),
        signing_secret=settings.signing_secret or "checked-at-intake",
        request_verification_enabled=False,
        process_before_response=True,  # a worker answers in full, then marks the request done
        logger=logging.getLogger("coopbot.slack.bolt"),
    )
    for group in listeners:
        group.register(app)
    return app


def serve(bot: Coopbot, settings: Settings, runtime: Runtime) -> int:
    """Socket Mode or the HTTP server, until `runtime.stop` is set; the exit status."""
    delivery = Delivery(web_client(settings.bot_token, settings.api_url, send_retry_handlers(), runtime), runtime)
    admitted = ClickLimit(runtime.asking(bot), delivery, bot, settings.lang)
    curators = Curators(bot, settings.lang, runtime, delivery, admitted)
    listeners = SlackListeners(bot, settings, runtime, delivery, curators, admitted)
    feedback = FeedbackListeners(bot, settings.lang, runtime, delivery, admitted)
    try:
        app = build_app([listeners, curators, feedback], settings, runtime)
    except (BoltError, SlackApiError, OSError) as err:
        log.error("coopbot serve slack: cannot start: %s", err)
        return 1
    if settings.curator_channel:
        bot.live.listen(partial(curators.tell, settings.curator_channel))
    workers = ConversationWorkers(WORKERS)
    sweeper = Sweeper(runtime.inbox, SURFACE)
    answer = answerer(app, runtime, sweeper, workers, listeners.failed_for_outage)
    intake = Intake(runtime, workers, answer, settings.signing_secret, curators.suggest, sweeper, listeners.prefetch)
    intake.sweep(starting=True)
    sweeping = threading.Thread(target=sweep_until, args=(intake, runtime.stop), name="coopbot-sweep", daemon=True)
    sweeping.start()
    try:
        if settings.app_token:
            serve_socket_mode(intake, app, settings.app_token, runtime)
        else:
            serve_http(intake, settings.host, settings.port, runtime)
    except (SlackApiError, OSError) as err:  # the port is taken, apps.connections.open refused, ...
        log.error("coopbot serve slack: %s", err)
        runtime.stop.set()
        workers.drain(0)
        return 1
    sweeping.join()
    left = workers.drain(runtime.grace)
    if left:
        log.info("stopping after %.0f s of grace; %d request(s) wait in the inbox", runtime.grace, left)
    return 0
