"""The Slack surface for PPS staff: `coopbot serve slack`.

It only translates: a mention, a direct message, the /coop command or a button -> `Coopbot.ask`
-> the Answer as Block Kit (adapters/slack_render.py) -> chat.postMessage or the response_url.
Socket Mode when SLACK_APP_TOKEN is set, else HTTP on --port with Bolt's signature check, which
is never turned off. SLACK_API_URL points the Web API (and so apps.connections.open) elsewhere.

The Slack app needs: bot scopes app_mentions:read, chat:write, im:history, im:write, commands;
events app_mention, message.im, app_home_opened; interactivity on; the /coop command; the Home tab.
In HTTP mode, the request URL of events, interactivity and the command is http(s)://HOST/slack/events.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient

from adapters.slack_render import (
    ASK_ACTION,
    SHARE_ACTION,
    SlackMessage,
    home_view,
    render_answer,
    share_value,
)
from bot import LANGS, Answer, Audience, BoundedCache, Coopbot, Lang, NotConfigured, parse_command

log = logging.getLogger("coopbot.slack")

EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000
DEFAULT_HOST = "0.0.0.0"  # Slack must reach HTTP mode from outside; tests pass --host 127.0.0.1
API_TIMEOUT = 10  # seconds of one Web API call, so a stuck call cannot hold shutdown for long
ANSWER_CACHE = 500  # ephemeral answers kept for their "share in channel" button
EVENTS_REMEMBERED = 10_000  # event_ids kept to answer each event once
EVENT_TTL = 3600.0  # seconds; Slack retries an event within minutes
MESSAGE_SUBTYPES = (None, "file_share", "thread_broadcast")  # what a person typing sends


# -- settings and the Web API client ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Settings:
    bot_token: str
    signing_secret: str = ""
    app_token: str = ""  # set: Socket Mode; empty: HTTP mode
    api_url: str = ""
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    audience: Audience = "staff"
    lang: Lang | None = None


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

    def run(self, bot: Coopbot, settings: Settings, stop: threading.Event) -> int:
        return serve(bot, settings, stop)


surface = SlackSurface()


class AnyServerErrorRetryHandler(ServerErrorRetryHandler):
    """slack_sdk retries 500 and 503 only; a 502 or 504 from a proxy in front of Slack is as transient."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code >= 500


def retry_handlers() -> list[RetryHandler]:
    """Backoff for connection resets, 429 (honouring Retry-After) and 5xx."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        AnyServerErrorRetryHandler(max_retry_count=3),
    ]


def web_client(token: str, api_url: str = "") -> WebClient:
    extra: dict[str, Any] = {"base_url": api_url.rstrip("/") + "/"} if api_url else {}
    return WebClient(token=token, timeout=API_TIMEOUT, retry_handlers=retry_handlers(), **extra)


# -- Slack text in -------------------------------------------------------------------------------------

_SLACK_MARKUP = re.compile(r"<([^<>]*)>")


def _markup_to_plain(inner: str, bot_user_id: str | None) -> str:
    """One `<...>` of Slack's message format as the words a person sees."""
    target, _, shown = inner.partition("|")
    if target.startswith("@"):
        return "" if target[1:] == bot_user_id else (f"@{shown}" if shown else "")
    if target.startswith("#"):
        return f"#{shown}" if shown else ""
    if target.startswith("!"):
        return shown or "@" + target[1:].split("^")[0]
    return shown or target.removeprefix("mailto:")


def from_slack(text: str, bot_user_id: str | None = None) -> str:
    """Slack's escaped message text as plain text for the core: the bot's mention dropped, links unwrapped."""
    plain = _SLACK_MARKUP.sub(lambda m: _markup_to_plain(m.group(1), bot_user_id), text)
    plain = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(plain.split())


# -- where a reply goes -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Where:
    """A conversation: the core's session key, and how to reach it (a channel/thread, or a response_url)."""

    session: str
    channel: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None  # ephemeral replies to /coop and to its buttons


def session_key(team: str | None, channel: str, thread_or_user: str) -> str:
    return f"slack:{team or '-'}:{channel}:{thread_or_user}"


# -- the listeners ----------------------------------------------------------------------------------------


class SlackListeners:
    """Bolt listeners that turn Slack payloads into `Coopbot.ask` calls and deliver the rendered Answers."""

    def __init__(self, bot: Coopbot, audience: Audience = "staff", lang: Lang | None = None) -> None:
        self.bot, self.audience, self.lang = bot, audience, lang
        # event_ids answered lately: Slack's retries (X-Slack-Retry-Num, same event_id) are answered once.
        self.events: BoundedCache[str, bool] = BoundedCache(EVENTS_REMEMBERED, ttl=EVENT_TTL)
        # Ephemeral answers by key, so "share in channel" posts the very answer the asker saw.
        self.answers: BoundedCache[str, Answer] = BoundedCache(ANSWER_CACHE)

    def register(self, app: App) -> None:
        app.use(self.once_per_event)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home)
        app.command(re.compile(r"^/coop"))(self.on_command)  # also /coop-dev etc. in a test workspace
        app.action(re.compile(rf"^{ASK_ACTION}_\d+$"))(self.on_ask_button)
        app.action(SHARE_ACTION)(self.on_share_button)
        app.error(self.on_error)

    # middleware and errors

    def once_per_event(self, body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:
        event_id = body.get("event_id")
        if isinstance(event_id, str) and not self.events.add(event_id, True):
            log.info("event %s delivered again; answered already", event_id)
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        next()
        return None

    def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error for a %s request: %r", body.get("type"), error, exc_info=error)

    # events

    def on_mention(self, event: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return
        channel = event["channel"]
        thread = event.get("thread_ts") or event["ts"]  # a mention is answered in its thread
        where = Where(session_key(context.get("team_id"), channel, thread), channel, thread)
        self.reply(client, where, from_slack(event.get("text", ""), context.get("bot_user_id")))

    def on_message(self, event: dict[str, Any], context: dict[str, Any], client: WebClient) -> None:
        if event.get("channel_type") != "im" or not self._from_a_person(event, context):
            return  # channel messages come as app_mention; edits, joins and bots are not questions
        channel, thread = event["channel"], event.get("thread_ts")
        where = Where(session_key(context.get("team_id"), channel, thread or event["user"]), channel, thread)
        text = from_slack(event.get("text", ""), context.get("bot_user_id"))
        if not text and event.get("files"):
            self.deliver(client, where, render_answer(self.bot.notice("non_text", self._lang(where, ""))))
            return
        self.reply(client, where, text)

    @staticmethod
    def _from_a_person(event: dict[str, Any], context: dict[str, Any]) -> bool:
        return (
            event.get("subtype") in MESSAGE_SUBTYPES
            and not event.get("bot_id")
            and bool(event.get("user"))
            and event.get("user") != context.get("bot_user_id")
        )

    def on_home(self, event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        about = [self.bot.command("about", lang=lang, audience=self.audience) for lang in LANGS]
        examples = {lang: self.bot.examples(lang) for lang in LANGS}
        client.views_publish(user_id=event["user"], view=home_view(about, examples))

    # the slash command and buttons

    def on_command(self, ack: Callable[..., None], command: dict[str, Any], context: dict[str, Any]) -> None:
        ack()  # within Slack's 3 seconds; the answer follows on the response_url
        session = session_key(context.get("team_id"), command["channel_id"], command["user_id"])
        where = Where(session, response_url=command["response_url"])
        text = from_slack(command.get("text", ""), context.get("bot_user_id"))
        if named := parse_command(text, prefix=""):  # `/coop help`, `/coop lang en`: the core's command table
            self.reply(None, where, text, command=named)
            return
        self.reply(None, where, text)

    def on_ask_button(
        self,
        ack: Callable[..., None],
        body: dict[str, Any],
        action: dict[str, Any],
        context: dict[str, Any],
        client: WebClient,
    ) -> None:
        ack()
        question = action.get("value", "")
        self.reply(client, self._where_clicked(body, context, client), question, asked=question)

    def _where_clicked(self, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> Where:
        """A button's conversation: the ephemeral answer, the DM, the channel thread; from App Home the DM."""
        team, user = context.get("team_id"), body["user"]["id"]
        container = body.get("container", {})
        if container.get("type") == "view":
            channel = client.conversations_open(users=user)["channel"]["id"]
            return Where(session_key(team, channel, user), channel)
        channel = body["channel"]["id"]
        if container.get("is_ephemeral"):
            return Where(session_key(team, channel, user), response_url=body["response_url"])
        message = body.get("message", {})
        if channel.startswith("D"):
            thread = message.get("thread_ts")
            return Where(session_key(team, channel, thread or user), channel, thread)
        thread = message.get("thread_ts") or message.get("ts") or container.get("message_ts")
        return Where(session_key(team, channel, thread), channel, thread)

    def on_share_button(self, ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        url = body["response_url"]
        value = json.loads(action.get("value") or "{}")
        try:
            answer = self.answers.get(str(value.get("k", "")))
            if answer is None:  # the process restarted since: ask again, outside the conversation
                lang = value.get("l") or self.lang
                answer = self.bot.ask(value.get("q", ""), lang=lang, audience=self.audience)
            self._respond(url, {**render_answer(answer).payload(), "response_type": "in_channel"})
            self._respond(url, {"delete_original": True})
        except Exception:
            log.exception("could not share an answer")
            self.apologise(None, Where("share", response_url=url), value.get("q", ""))

    # answering

    def reply(
        self,
        client: WebClient | None,
        where: Where,
        text: str,
        asked: str | None = None,
        command: tuple[str, str] | None = None,
    ) -> None:
        """Ask the core (or run a command) and deliver the answer; a failure is logged and apologised for."""
        try:
            answer = self.run_command(where, *command) if command else self.ask(where, text)
            share = None
            if where.response_url:
                key = os.urandom(8).hex()
                self.answers.put(key, answer)
                share = share_value(key, text, answer.language)
            self.deliver(client, where, render_answer(answer, asked=asked, share=share))
        except Exception:
            log.exception("could not answer in %s", where.session)
            self.apologise(client, where, text)

    def ask(self, where: Where, text: str) -> Answer:
        return self.bot.ask(text, session=where.session, lang=self.lang, audience=self.audience)

    def run_command(self, where: Where, name: str, argument: str) -> Answer:
        lang = self._lang(where, "")
        return self.bot.command(name, argument, lang=lang, session=where.session, audience=self.audience)

    def _lang(self, where: Where, text: str) -> Lang:
        # Korean when nothing tells: the staff workspace is a Korean one.
        return self.lang or self.bot.detect_language(text, where.session)

    def apologise(self, client: WebClient | None, where: Where, text: str) -> None:
        try:
            self.deliver(client, where, render_answer(self.bot.notice("error", self._lang(where, text))))
        except Exception:
            log.exception("could not send the apology in %s", where.session)

    def deliver(self, client: WebClient | None, where: Where, message: SlackMessage) -> None:
        if where.response_url:
            self._respond(where.response_url, {**message.payload(), "response_type": "ephemeral"})
            return
        if client is None or where.channel is None:
            raise ValueError(f"nowhere to deliver in {where.session}")
        client.chat_postMessage(
            channel=where.channel,
            thread_ts=where.thread_ts,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )

    @staticmethod
    def _respond(url: str, payload: dict[str, Any]) -> None:
        response = WebhookClient(url, timeout=API_TIMEOUT, retry_handlers=retry_handlers()).send_dict(payload)
        if response.status_code != 200:
            raise RuntimeError(f"response_url answered {response.status_code}: {response.body[:200]}")


# -- the app and its servers --------------------------------------------------------------------------


def build_app(listeners: SlackListeners, settings: Settings, executor: ThreadPoolExecutor | None = None) -> App:
    """The Bolt app; calls auth.test once (Bolt verifies the token and learns the bot's own user id)."""
    app = App(
        client=web_client(settings.bot_token, settings.api_url),
        signing_secret=settings.signing_secret,
        listener_executor=executor,
        logger=logging.getLogger("coopbot.slack.bolt"),
    )
    listeners.register(app)
    return app


def serve(bot: Coopbot, settings: Settings, stop: threading.Event) -> int:
    """Socket Mode or the HTTP server, until `stop` is set; the exit status."""
    listeners = SlackListeners(bot, settings.audience, settings.lang)
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="coopbot-slack")
    try:
        app = build_app(listeners, settings, executor)
    except (BoltError, SlackApiError, OSError) as err:
        log.error("coopbot serve slack: cannot start: %s", err)
        return 1
    try:
        if settings.app_token:
            serve_socket_mode(app, settings.app_token, stop)
        else:
            serve_http(app, settings.host, settings.port, stop)
    except (SlackApiError, OSError) as err:  # the port is taken, apps.connections.open refused, ...
        log.error("coopbot serve slack: %s", err)
        return 1
    finally:
        executor.shutdown(wait=False, cancel_futures=True)  # queued work is dropped; running work finishes
    return 0


def _wait(stop: threading.Event) -> None:
    while not stop.wait(0.5):  # a timeout keeps the main thread responsive to signals
        pass


def serve_http(app: App, host: str, port: int, stop: threading.Event) -> None:
    from adapters.slack_http import SlackHttpServer

    server = SlackHttpServer(app, host, port, EVENTS_PATH)
    server.start()
    log.info("coopbot is listening for Slack on http://%s:%d%s", host, server.port, EVENTS_PATH)
    try:
        _wait(stop)
    finally:
        server.stop()


def serve_socket_mode(app: App, app_token: str, stop: threading.Event) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    handler.connect()  # type: ignore[no-untyped-call]
    log.info("coopbot is connected to Slack in Socket Mode")
    try:
        _wait(stop)
    finally:
        handler.close()  # type: ignore[no-untyped-call]
