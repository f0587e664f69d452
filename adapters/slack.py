"""The Slack surface for PPS staff: `coopbot serve slack`.

It only translates: a mention, a direct message, the /coop command or a button -> `Coopbot.ask`
-> the Answer as Block Kit (adapters/slack_render.py) -> chat.postMessage or the response_url.
Socket Mode when SLACK_APP_TOKEN is set, else HTTP on --port; either way a request is kept in the
inbox before it is acknowledged (adapters/slack_intake.py, where HTTP signatures are checked).
SLACK_API_URL points the Web API (and so apps.connections.open) elsewhere.

The Slack app needs: bot scopes app_mentions:read, chat:write, im:history, im:write, commands, and
channels:history, groups:history, mpim:history (to look for a reply after an ambiguous failure), and
channels:read, groups:read, im:read, mpim:read, users:read (to tell guests and conversations shared
with other organisations, which get the public audience: adapters/slack_audience.py);
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
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from http.client import HTTPException
from typing import Any
from urllib.error import URLError

import tornado.web
from slack_bolt import App, BoltRequest
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
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.webhook import WebhookClient

from adapters.http_server import ServerThread, ops_routes, serve_ops
from adapters.slack_audience import Audiences
from adapters.slack_intake import SURFACE, ConversationWorkers, EventsHandler, Intake
from adapters.slack_render import (
    ASK_ACTION,
    CLUSTER_BLOCK,
    DISMISS_ACTION,
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    FEEDBACK_VIEW,
    SHARE_ACTION,
    TEACH_ACTION,
    TEACH_SEARCH_ACTION,
    SlackMessage,
    fact_options,
    feedback_view,
    home_view,
    notice_message,
    render_answer,
    report_message,
)
from bot import (
    LANGS,
    SWEEP_EVERY,
    TEXTS,
    Admission,
    Answer,
    Audience,
    Cache,
    Codec,
    Coopbot,
    Item,
    Lang,
    NotConfigured,
    Question,
    Reloaded,
    Runtime,
    Sweeper,
    Unavailable,
    delays,
    from_data,
    is_outage,
    lay_out,
    parse_command,
    plain_text,
    to_data,
)

log = logging.getLogger("coopbot.slack")

EVENTS_PATH = "/slack/events"
DEFAULT_PORT = 3000
DEFAULT_HOST = "127.0.0.1"  # behind the HTTPS proxy Slack reaches; --host 0.0.0.0 listens on every address
API_TIMEOUT = 10  # seconds of one Web API call, so a stuck call cannot hold shutdown for long
ANSWER_CACHE = 500  # ephemeral answers kept for their "share in channel" button
WORKERS = 16  # requests answered at once (each conversation in order)
FLOOD_RETRIES = 3  # a 429 on a post is waited out (Retry-After) and retried this often
POST_ATTEMPTS = 3  # tries of a post whose earlier tries certainly did not arrive
CHECK_LIMIT = 200  # messages read when looking for a reply that may have arrived
CHECK_ATTEMPTS = 3  # tries of that search before the request is left to be answered later
CHECK_SLACK_CLOCK = 60.0  # seconds of leeway between our clock and Slack's message timestamps
REPLY_EVENT = "coopbot_reply"  # metadata event_type of every reply, with the request's key
CLUSTERS_KEPT = 500  # clusters shown to curators, remembered for their teach and dismiss actions
REPORT_DAYS = 7
CURATOR_COMMANDS = ("report", "status")
KEY, RESUMED, RECEIVED = "coopbot_key", "coopbot_resumed", "coopbot_received"  # Bolt context entries
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
    curator_channel: str = ""  # where a fact base change that could not be taken is reported


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


class NeverSentRetryHandler(RetryHandler):
    """Retries a call whose connection was refused: nothing was sent, so nothing can be doubled."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        reason = error.reason if isinstance(error, URLError) else error
        return isinstance(reason, ConnectionRefusedError)


def retry_handlers() -> list[RetryHandler]:
    """For calls that may be repeated (reads, views, auth.test): backoff on resets, 429 (Retry-After) and 5xx."""
    return [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        AnyServerErrorRetryHandler(max_retry_count=3),
    ]


def send_retry_handlers() -> list[RetryHandler]:
    """For posts, which must not be doubled: only a 429 (waited out in this conversation's worker) and a
    refused connection are retried here; an ambiguous failure is checked first (`SlackListeners.post`)."""
    return [NeverSentRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=FLOOD_RETRIES)]


class CountingWebClient(WebClient):
    """A WebClient that counts each call by method and outcome, and tells readiness whether Slack answers."""

    runtime: Runtime | None = None

    def api_call(self, api_method: str, **kwargs: Any) -> Any:
        try:
            response = super().api_call(api_method, **kwargs)
        except SlackApiError as err:
            self._count(
                api_method, f"http_{err.response.status_code}" if err.response.status_code != 200 else "refused"
            )
            raise
        except Exception as err:
            self._count(api_method, type(err).__name__)
            raise
        self._count(api_method, "ok")
        return response

    def _count(self, method: str, outcome: str) -> None:
        if self.runtime is not None:
            self.runtime.metrics.api_calls.labels(SURFACE, method, outcome).inc()
            if outcome == "ok" or outcome == "refused":
                self.runtime.health.platform(True)
            elif not outcome.startswith("http_4"):
                self.runtime.health.platform(False, f"Slack's {method} failed: {outcome}")


def web_client(
    token: str, api_url: str = "", handlers: list[RetryHandler] | None = None, runtime: Runtime | None = None
) -> WebClient:
    extra: dict[str, Any] = {"base_url": api_url.rstrip("/") + "/"} if api_url else {}
    client = CountingWebClient(token=token, timeout=API_TIMEOUT, retry_handlers=handlers or retry_handlers(), **extra)
    client.runtime = runtime
    return client


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
    """A conversation: the core's session key, and how to reach it (a channel/thread, or a response_url).
    `key` names the request being answered (its reply carries it as metadata); `resumed` means a previous
    run began answering it, so its reply may be out already; `audience` is who may read it there."""

    session: str
    channel: str | None = None
    thread_ts: str | None = None
    response_url: str | None = None  # ephemeral replies to /coop and to its buttons
    key: str = ""
    resumed: bool = False
    audience: Audience = "public"


@dataclass(frozen=True, slots=True)
class Kept:
    """An ephemeral answer kept for its "share in channel" button (whose value is only the key), with what it
    answered, to answer again where the channel's audience is not the asker's."""

    answer: Answer
    text: str
    command: tuple[str, str] | None = None


KEPT: Codec[Kept] = Codec(to_data, partial(from_data, Kept))  # a kept answer as Redis holds it


def _shared(body: Mapping[str, Any]) -> bool | None:
    """Whether an event's channel is shared with another organisation, as its envelope says (None: it does not)."""
    shared = body.get("is_ext_shared_channel")
    return shared if isinstance(shared, bool) else None


def session_key(team: str | None, channel: str, thread_or_user: str) -> str:
    return f"slack:{team or '-'}:{channel}:{thread_or_user}"


class NotDelivered(Exception):
    """Slack refused the reply, or it certainly did not arrive: an apology may follow."""


class PossiblyDelivered(Exception):
    """Whether the reply arrived cannot be told: neither sent again nor apologised for."""


# -- the listeners ----------------------------------------------------------------------------------------


class SlackListeners:
    """Bolt listeners that turn Slack payloads into `Coopbot.ask` calls and deliver the rendered Answers.

    They run on a worker (adapters/slack_intake.py) for a request already in the inbox; the request's
    inbox key and whether it is resumed after a restart come in Bolt's context."""

    def __init__(self, bot: Coopbot, settings: Settings, runtime: Runtime) -> None:
        self.bot, self.lang, self.runtime = bot, settings.lang, runtime
        self.poster = web_client(settings.bot_token, settings.api_url, send_retry_handlers(), runtime)
        self.curation = runtime.curation
        # The questions of each cluster a curator was shown, by key, for the teach and dismiss actions.
        self.clusters: Cache[str, list[str]] = runtime.caches.make("slack-clusters", CLUSTERS_KEPT, TEXTS)
        # Ephemeral answers by key, so "share in channel" posts the very answer the asker saw.
        self.answers: Cache[str, Kept] = runtime.caches.make("slack-answers", ANSWER_CACHE, KEPT)
        reader = web_client(settings.bot_token, settings.api_url, runtime=runtime)
        self.audiences = Audiences(reader, runtime.caches, settings.audience)
        self._failed = threading.local()  # the outage that made this thread's request fail, for `answerer`
        self.asking = runtime.asking(bot)  # the per-question policy: limit, lateness, the log, metrics

    def register(self, app: App) -> None:
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home)
        app.command(re.compile(r"^/coop"))(self.on_command)  # also /coop-dev etc. in a test workspace
        app.action(re.compile(rf"^{ASK_ACTION}_\d+$"))(self.on_ask_button)
        app.action(SHARE_ACTION)(self.on_share_button)
        app.action(FEEDBACK_UP)(self.on_feedback_button)
        app.action(FEEDBACK_DOWN)(self.on_feedback_button)
        app.view(FEEDBACK_VIEW)(self.on_feedback_comment)
        app.action(TEACH_ACTION)(self.on_teach)
        app.action(TEACH_SEARCH_ACTION)(self.on_teach)
        app.action(DISMISS_ACTION)(self.on_dismiss)
        app.error(self.on_error)

    def prefetch(self, payload: Mapping[str, Any]) -> None:
        """Start looking up who reads the conversation of a request just taken (adapters/slack_audience.py)."""
        event, channel = payload.get("event"), payload.get("channel")
        if isinstance(event, dict):
            dm = event.get("channel_type") == "im"
            self.audiences.prefetch(event.get("user"), None if dm else event.get("channel"), _shared(payload))
        elif isinstance(payload.get("user_id"), str):  # /coop
            self.audiences.prefetch(payload["user_id"], payload.get("channel_id"))
        elif isinstance(payload.get("user"), dict):  # a click
            self.audiences.prefetch(payload["user"].get("id"), channel.get("id") if isinstance(channel, dict) else None)

    def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        if is_outage(error):  # the request is answered again once the dependency is back
            self._failed.outage = error
            log.info("a %s request waits for a dependency: %s", body.get("type"), error)
            return
        log.error("unhandled error for a %s request: %r", body.get("type"), error, exc_info=error)

    def failed_for_outage(self) -> bool:
        """Whether this thread's last request failed because a dependency is down (then cleared)."""
        outage = getattr(self._failed, "outage", None)
        self._failed.outage = None
        return outage is not None

    # events

    def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return
        channel = event["channel"]
        thread = event.get("thread_ts") or event["ts"]  # a mention is answered in its thread
        audience = self.audiences.of(event.get("user"), channel, _shared(body))
        where = self._where(context, session_key(context.get("team_id"), channel, thread), channel, thread, audience)
        text = from_slack(event.get("text", ""), context.get("bot_user_id"))
        self.reply(where, text, person=event.get("user"), asked_at=body.get("event_time"))

    def on_message(self, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or not self._from_a_person(event, context):
            return  # channel messages come as app_mention; edits, joins and bots are not questions
        channel, thread = event["channel"], event.get("thread_ts")
        session = session_key(context.get("team_id"), channel, thread or event["user"])
        audience = self.audiences.of(event["user"])  # a direct message with the bot: read by its writer alone
        where = self._where(context, session, channel, thread, audience)
        text = from_slack(event.get("text", ""), context.get("bot_user_id"))
        if not text and event.get("files"):
            self.deliver(where, render_answer(self.bot.notice("non_text", self._lang(where, ""))))
            return
        self.reply(where, text, person=event.get("user"), asked_at=body.get("event_time"))

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
        audience = self.audiences.of(event.get("user"))
        about = [self.bot.command("about", lang=lang, audience=audience) for lang in LANGS]
        examples = {lang: self.bot.examples(lang) for lang in LANGS}
        privacy = {lang: plain_text(lay_out(self.bot.command("privacy", lang=lang))) for lang in LANGS}
        client.views_publish(user_id=event["user"], view=home_view(about, examples, privacy))

    # the slash command and buttons

    def on_command(self, ack: Callable[..., None], command: dict[str, Any], context: dict[str, Any]) -> None:
        ack()  # the intake acknowledged Slack already; Bolt wants every request acked
        session = session_key(context.get("team_id"), command["channel_id"], command["user_id"])
        audience = self.audiences.of(command["user_id"], command["channel_id"])
        where = self._where(context, session, audience=audience, response_url=command["response_url"])
        text = from_slack(command.get("text", ""), context.get("bot_user_id"))
        word = text.split(maxsplit=1)[0].casefold() if text.strip() else ""
        if word in CURATOR_COMMANDS:
            self.curator_command(word, where, command["user_id"])
            return
        named = parse_command(text, prefix="")  # `/coop help`, `/coop lang en`: the core's command table
        self.reply(where, text, command=named, person=command["user_id"], asked_at=context.get(RECEIVED))

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
        where = self._where_clicked(body, context, client)
        self.reply(where, question, asked=question, person=body["user"]["id"], asked_at=context.get(RECEIVED))

    def _where(
        self,
        context: dict[str, Any],
        session: str,
        channel: str | None = None,
        thread: str | None = None,
        audience: Audience = "public",
        response_url: str | None = None,
    ) -> Where:
        key, resumed = str(context.get(KEY, "")), bool(context.get(RESUMED))
        return Where(session, channel, thread, response_url, key, resumed, audience)

    def _where_clicked(self, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> Where:
        """A button's conversation: the ephemeral answer, the DM, the channel thread; from App Home the DM."""
        team, user = context.get("team_id"), body["user"]["id"]
        container = body.get("container", {})
        if container.get("type") == "view":
            channel = client.conversations_open(users=user)["channel"]["id"]
            return self._where(
                context, session_key(team, channel, user), channel, None, self.audiences.of(user, channel)
            )
        channel = body["channel"]["id"]
        audience = self.audiences.of(user, channel)
        if container.get("is_ephemeral"):
            session = session_key(team, channel, user)
            return self._where(context, session, audience=audience, response_url=body["response_url"])
        message = body.get("message", {})
        if channel.startswith("D"):
            thread = message.get("thread_ts")
            return self._where(context, session_key(team, channel, thread or user), channel, thread, audience)
        thread = message.get("thread_ts") or message.get("ts") or container.get("message_ts")
        return self._where(context, session_key(team, channel, thread), channel, thread, audience)

    def admitted(self, body: dict[str, Any]) -> bool:
        """A click or a form counts against its person's limit like a question; the first one over it is told so
        (where Slack gave a way to answer it), later ones in the window are ignored."""
        person = (body.get("user") or {}).get("id")
        verdict = self.asking.admit(SURFACE, f"slack:{person}" if person else None)
        if verdict is Admission.ANSWER:
            return True
        if verdict is Admission.REFUSE and body.get("response_url"):
            where = Where(f"slack:limit:{person}", response_url=str(body["response_url"]))
            self._deliver_or_log(where, self.bot.notice("too_many", self.lang or "ko"))
        return False

    # feedback

    def on_feedback_button(
        self, ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        """👍 or 👎 under an answer: kept (one vote per person, a change replaces it); 👎 asks, in a modal,
        what they were looking for."""
        ack()
        if not self.admitted(body):
            return
        feedback, person, ref = self.runtime.feedback, body["user"]["id"], str(action.get("value", ""))
        if feedback is None or not ref:
            return
        up = action.get("action_id") == FEEDBACK_UP
        feedback.vote(ref, f"slack:{person}", up)
        lang = self.lang or "ko"
        if not up and body.get("trigger_id"):
            view = feedback_view(ref, lang, self.bot.message("feedback_ask", lang))
            client.views_open(trigger_id=body["trigger_id"], view=view)
        elif body.get("response_url"):
            self._respond_logged(body["response_url"], self.bot.message("feedback_thanks", lang))

    def on_feedback_comment(self, ack: Callable[..., None], body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        if not self.admitted(body):
            return
        feedback = self.runtime.feedback
        values = view.get("state", {}).get("values", {})
        text = str(values.get("comment", {}).get("text", {}).get("value") or "")
        if feedback is not None and text.strip():
            feedback.comment(str(view.get("private_metadata", "")), f"slack:{body['user']['id']}", text)

    def _respond_logged(self, url: str, text: str) -> None:
        try:
            self._respond(
                url, {**notice_message(text).payload(), "response_type": "ephemeral", "replace_original": False}
            )
        except Exception:
            log.exception("could not send a notice under a button")

    # curators

    def curator_command(self, word: str, where: Where, person: str) -> None:
        """`/coop report` and `/coop status`, for curators only."""
        lang = self._lang(where, "")
        if self.curation is None or not self.curation.is_curator(person):
            self._say(where, self.bot.message("curators_only", lang))
            return
        if word == "status":
            self._say(where, self.curation.status(lang))
            return
        clusters = self.curation.clusters()
        days = str(REPORT_DAYS)
        if not clusters:
            self._say(where, self.bot.message("report_none", lang, days=days))
            return
        for cluster in clusters:
            self.clusters.put(cluster.key, list(cluster.questions))
        facts = {f.id: f.text(lang) for f in self.bot.kb.facts}
        self._deliver_logged(
            where, report_message(self.bot.message("report_lead", lang, days=days), clusters, facts, lang)
        )

    def on_teach(
        self, ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        ack()
        if self.admitted(body):
            self._curate(body, action, context, teach=str((action.get("selected_option") or {}).get("value", "")))

    def on_dismiss(
        self, ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any], context: dict[str, Any]
    ) -> None:
        ack()
        if self.admitted(body):
            self._curate(body, action, context, teach=None)

    def _curate(self, body: dict[str, Any], action: dict[str, Any], context: dict[str, Any], teach: str | None) -> None:
        person = body["user"]["id"]
        where = self._where(
            context, session_key(context.get("team_id"), "curation", person), response_url=body.get("response_url")
        )
        lang = self.lang or "ko"
        if self.curation is None or not self.curation.is_curator(person):
            self._say(where, self.bot.message("curators_only", lang))
            return
        key = (
            str(action.get("block_id", "")).removeprefix(CLUSTER_BLOCK)
            if teach is not None
            else str(action.get("value", ""))
        )
        questions = self.clusters.get(key)
        if questions is None:
            self._say(where, self.bot.message("report_expired", lang))
            return
        if teach is None:
            self.curation.dismiss(questions, f"slack:{person}")
            self._say(where, self.bot.message("dismissed", lang, count=str(len(questions))))
            return
        result = self.curation.teach(questions, teach, f"slack:{person}")
        if result.ok:
            fact = next((f.text(lang) for f in self.bot.kb.facts if f.id == teach), teach)
            self._say(where, self.bot.message("taught", lang, count=str(len(questions)), fact=fact))
        else:
            problems = "\n".join(str(p) for p in result.problems[:10])
            self._say(where, self.bot.message("teach_failed", lang) + "\n" + problems)

    def suggest(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Facts matching what a curator types in the "teach as" search (curators only)."""
        person = (payload.get("user") or {}).get("id")
        if self.curation is None or not self.curation.is_curator(person):
            return {"options": []}
        return fact_options(self.curation.search(str(payload.get("value", "")), self.lang or "ko"))

    def _say(self, where: Where, text: str) -> None:
        self._deliver_logged(where, notice_message(text))

    def _deliver_logged(self, where: Where, message: SlackMessage) -> None:
        try:
            self.deliver(where, message)
        except Exception:
            log.exception("could not reply in %s", where.session)

    def on_share_button(self, ack: Callable[..., None], body: dict[str, Any], action: dict[str, Any]) -> None:
        """Post an ephemeral answer in the channel, for the channel's audience: the very answer the asker saw
        when that audience is the asker's, else the same question answered again for it."""
        ack()
        if not self.admitted(body):
            return
        url, lang = body["response_url"], self.lang or "ko"
        where = Where("share", response_url=url)
        try:
            kept = self.answers.get(str(action.get("value", "")))
            if kept is None:  # expired, or the process restarted since: the asker is told, nothing is posted
                self._respond_logged(url, self.bot.message("share_expired", lang))
                return
            lang = kept.answer.language
            audience = self.audiences.of(body["user"]["id"], (body.get("channel") or {}).get("id"))
            answer = kept.answer if kept.answer.audience == audience else self.answer_again(kept, audience)
            self._respond(url, {**render_answer(answer).payload(), "response_type": "in_channel"})
            self._respond(url, {"delete_original": True})
        except PossiblyDelivered as err:
            log.warning("possible loss: a shared answer may not have arrived (%s)", err)
        except Exception:
            log.exception("could not share an answer")
            self._deliver_or_log(where, self.bot.notice("error", lang))

    def answer_again(self, kept: Kept, audience: Audience) -> Answer:
        """A kept answer's question answered anew for `audience`, outside the asker's conversation."""
        lang = kept.answer.language
        if kept.command is not None:
            return self.bot.command(*kept.command, lang=lang, audience=audience)
        return self.bot.ask(kept.text, lang=lang, audience=audience)

    # answering

    def reply(
        self,
        where: Where,
        text: str,
        *,
        person: str | None,
        asked_at: object = None,
        asked: str | None = None,
        command: tuple[str, str] | None = None,
    ) -> None:
        """A question (or a command) through the per-question policy, and its answer delivered. Only a reply that
        certainly did not arrive is apologised for; one that may have arrived is logged as a possible loss."""
        question = Question(
            text,
            SURFACE,
            session=where.session,
            person=f"slack:{person}" if person else None,
            audience=where.audience,
            lang=self._lang(where, "") if command else self.lang,
            asked_at=float(asked_at) if isinstance(asked_at, int | float | str) else None,
            command=command,
        )
        with self.asking.turn(question) as turn:
            try:
                answer = turn.answer()
            except Exception as err:
                if is_outage(err):  # asked again once the dependency is back: no apology
                    raise
                log.exception("could not answer in %s", where.session)
                self.apologise(where, text)
                return
            if answer is None:  # over the limit, and told so already
                return
            turn.delivered(self._deliver_answer(where, answer, text, asked, command))

    def _deliver_answer(
        self, where: Where, answer: Answer, text: str, asked: str | None, command: tuple[str, str] | None
    ) -> str:
        """Deliver an answer (with a "share in channel" button where it is ephemeral); how it went."""
        share = None
        if where.response_url and answer.kind != "smalltalk":
            share = os.urandom(8).hex()
            self.answers.put(share, Kept(answer, text, command))
        try:
            self.deliver(where, render_answer(answer, asked=asked, share=share))
        except PossiblyDelivered as err:
            self.runtime.metrics.possible_losses.labels(SURFACE).inc()
            log.warning("possible loss: the reply in %s may not have arrived (%s)", where.session, err)
            return "possible loss"
        except NotDelivered as err:
            log.error("could not deliver the reply in %s: %s", where.session, err)
            self.apologise(where, text)
            return "not delivered"
        return "sent"

    def _lang(self, where: Where, text: str) -> Lang:
        # Korean when nothing tells: the staff workspace is a Korean one.
        return self.lang or self.bot.detect_language(text, where.session)

    def apologise(self, where: Where, text: str) -> None:
        self._deliver_or_log(where, self.bot.notice("error", self._lang(where, text)))

    def _deliver_or_log(self, where: Where, answer: Answer) -> None:
        try:
            self.deliver(where, render_answer(answer))
        except Exception:
            log.exception("could not send a notice in %s", where.session)

    def deliver(self, where: Where, message: SlackMessage) -> None:
        if where.response_url:
            self._respond(where.response_url, {**message.payload(), "response_type": "ephemeral"})
            return
        if where.channel is None:
            raise NotDelivered(f"nowhere to deliver in {where.session}")
        self.post(where, message)

    def post(self, where: Where, message: SlackMessage) -> None:
        """chat.postMessage, never twice: after an ambiguous failure (a 5xx, a timeout, a dropped connection)
        the conversation is searched for this request's reply (its metadata) before sending again, and a
        request answered again after a restart or an outage is searched for first. Only a definite "not
        there" sends again; while the search itself fails, `Unavailable` leaves the request to be answered
        later (bot/sweep.py), and a search Slack refuses outright leaves it a possible loss."""
        assert where.channel is not None
        metadata = {"event_type": REPLY_EVENT, "event_payload": {"key": where.key}}
        since = time.time() - CHECK_SLACK_CLOCK
        if where.resumed and where.key and self.landed(where, since=0.0):
            log.info("the reply to %s went out before; not sent again", where.key)
            return
        for attempt in range(POST_ATTEMPTS):
            try:
                self.poster.chat_postMessage(
                    channel=where.channel,
                    thread_ts=where.thread_ts,
                    text=message.text,
                    blocks=message.blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=metadata if where.key else None,
                )
                return
            except SlackApiError as err:
                if err.response.status_code < 500:
                    raise NotDelivered(str(err)) from err
                failure: Exception = err
            except (OSError, HTTPException) as err:  # a timeout or a dropped connection: it may have landed
                failure = err
            if not where.key:
                raise PossiblyDelivered(str(failure)) from failure
            if self.landed(where, since):
                log.info("the reply to %s had arrived despite %s; not sent again", where.key, failure)
                return
            log.warning("the reply to %s did not arrive (%s); sending it again", where.key, failure)
            self.runtime.metrics.retries.labels(SURFACE, "not delivered").inc()
            time.sleep(0.2 * 2**attempt)
        raise NotDelivered(f"{POST_ATTEMPTS} attempts failed")

    def landed(self, where: Where, since: float) -> bool:
        """Whether the conversation holds this request's reply. The search is tried again a few times while it
        fails; then `Unavailable` (ask again later). A search Slack refuses (no scope, no channel) can never
        tell: `PossiblyDelivered`."""
        waits = delays()
        for attempt in range(CHECK_ATTEMPTS):
            try:
                return self._holds_reply(where, since)
            except SlackApiError as err:
                if err.response.status_code < 500 and err.response.status_code != 429:
                    raise PossiblyDelivered(f"Slack refused the search for the reply to {where.key}: {err}") from err
                failure: Exception = err
            except (OSError, HTTPException) as err:
                failure = err
            log.warning("could not look for the reply to %s (%s)", where.key, failure)
            if attempt < CHECK_ATTEMPTS - 1:
                time.sleep(next(waits))
        raise Unavailable(f"cannot tell whether the reply to {where.key} arrived: {failure}") from failure

    def _holds_reply(self, where: Where, since: float) -> bool:
        assert where.channel is not None
        if where.thread_ts:
            found = self.poster.conversations_replies(
                channel=where.channel, ts=where.thread_ts, include_all_metadata=True, limit=CHECK_LIMIT
            )
        else:
            found = self.poster.conversations_history(
                channel=where.channel, oldest=f"{since:.6f}", include_all_metadata=True, limit=CHECK_LIMIT
            )
        messages = found.get("messages") or []
        return any(
            (m.get("metadata") or {}).get("event_type") == REPLY_EVENT
            and ((m.get("metadata") or {}).get("event_payload") or {}).get("key") == where.key
            for m in messages
            if isinstance(m, dict)
        )

    @staticmethod
    def _respond(url: str, payload: dict[str, Any]) -> None:
        """A response_url reply. Slack offers no way to check it, so an ambiguous failure is a possible loss."""
        client = WebhookClient(url, timeout=API_TIMEOUT, retry_handlers=send_retry_handlers())
        try:
            response = client.send_dict(payload)
        except (OSError, HTTPException) as err:
            raise PossiblyDelivered(str(err)) from err
        if response.status_code >= 500:
            raise PossiblyDelivered(f"response_url answered {response.status_code}")
        if response.status_code != 200:
            raise NotDelivered(f"response_url answered {response.status_code}: {response.body[:200]}")


# -- the app and its servers --------------------------------------------------------------------------


def build_app(listeners: SlackListeners, settings: Settings, runtime: Runtime | None = None) -> App:
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
    listeners.register(app)
    return app


def answerer(
    app: App, runtime: Runtime, sweeper: Sweeper, workers: ConversationWorkers, listeners: SlackListeners
) -> Callable[[Item], None]:
    """What a worker runs for a request in the inbox: claim it, have Bolt dispatch it to the listeners, mark it
    answered. While a dependency is down (the inbox, the database, Redis, Slack's search for a reply) it is
    tried again in place, so its conversation keeps its order, until it is answered or the workers stop."""

    def answer(item: Item) -> None:
        claimed = _claim(sweeper, item.key, workers)
        if claimed is None:
            return
        if claimed:  # a restart cut its answer short; a post is looked for first, an ephemeral one cannot be
            runtime.metrics.possible_duplicates.labels(SURFACE).inc()
        resumed, waits = claimed > 0, delays()
        while not _dispatch(app, item, resumed) and listeners.failed_for_outage():
            if workers.closed:  # stopping: it stays in the inbox for the next start
                sweeper.release(item.key)
                return
            time.sleep(next(waits))
            resumed = True  # the last try may have posted before it failed
        sweeper.finish(item.key)

    return answer


def _claim(sweeper: Sweeper, key: str, workers: ConversationWorkers) -> int | None:
    """Claim a request in the inbox, waiting while it cannot be written; None when it is not this one's to answer
    (answered already, held by another replica, or the workers stopped)."""
    waits = delays()
    while not workers.closed:
        try:
            return sweeper.claim(key)
        except Exception as err:
            if not is_outage(err):
                log.exception("could not claim request %s; it stays in the inbox", key)
                break
        time.sleep(next(waits))
    sweeper.release(key)
    return None


def _dispatch(app: App, item: Item, resumed: bool) -> bool:
    """Bolt dispatches the request to its listener; whether it went through (False: a listener failed)."""
    stored = json.loads(item.payload)
    context = {KEY: item.key, RESUMED: resumed, RECEIVED: item.received}
    if stored["mode"] == "socket_mode":
        request = BoltRequest(body=stored["body"], mode="socket_mode", context=context)
    else:
        headers: dict[str, str | Sequence[str]] = {"content-type": [stored["content_type"]]}
        request = BoltRequest(body=stored["body"], headers=headers, context=context)
    response = app.dispatch(request)
    if response.status >= 500:
        log.error("request %s was not answered (%d)", item.key, response.status)
        return False
    return True


def serve(bot: Coopbot, settings: Settings, runtime: Runtime) -> int:
    """Socket Mode or the HTTP server, until `runtime.stop` is set; the exit status."""
    listeners = SlackListeners(bot, settings, runtime)
    try:
        app = build_app(listeners, settings, runtime)
    except (BoltError, SlackApiError, OSError) as err:
        log.error("coopbot serve slack: cannot start: %s", err)
        return 1
    if settings.curator_channel:
        bot.live.listen(partial(tell_curators, listeners, settings.curator_channel))
    workers = ConversationWorkers(WORKERS)
    sweeper = Sweeper(runtime.inbox, SURFACE)
    answer = answerer(app, runtime, sweeper, workers, listeners)
    intake = Intake(runtime, workers, answer, settings.signing_secret, listeners.suggest, sweeper, listeners.prefetch)
    intake.sweep(starting=True)
    sweeping = threading.Thread(target=_sweep_until, args=(intake, runtime.stop), name="coopbot-sweep", daemon=True)
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


def _sweep_until(intake: Intake, stop: threading.Event) -> None:
    while not stop.wait(SWEEP_EVERY):
        try:
            intake.sweep()
        except Exception:  # never the end of sweeping: the next one tries again
            log.exception("sweeping the inbox failed")


def tell_curators(listeners: SlackListeners, channel: str, result: Reloaded) -> None:
    """A change to knowledge/ that could not be taken, posted to the curators' channel."""
    if result.ok:
        return
    lang = listeners.lang or "ko"
    head = listeners.bot.message("reload_failed", lang, count=str(len(result.problems)))
    text = head + "\n" + "\n".join(str(p) for p in result.problems[:20])
    listeners._deliver_logged(Where(f"curators:{channel}", channel), notice_message(text))


def _wait(stop: threading.Event) -> None:
    while not stop.wait(0.5):  # a timeout keeps the main thread responsive to signals
        pass


def serve_http(intake: Intake, host: str, port: int, runtime: Runtime) -> None:
    """Events, commands and interactivity at EVENTS_PATH, with /healthz and a bare /readyz, on one port; the
    operations endpoints in full on --metrics-port."""
    stop = runtime.stop
    routes = [(EVENTS_PATH, EventsHandler, {"intake": intake}), *ops_routes(runtime, public=True)]
    server = ServerThread(tornado.web.Application(routes), host, port)
    server.start()
    ops = serve_ops(runtime)
    log.info("coopbot is listening for Slack on http://%s:%d%s", host, server.port, EVENTS_PATH)
    try:
        _wait(stop)
    finally:
        server.stop()  # take nothing more; what was taken is in the inbox
        if ops is not None:
            ops.stop()


def serve_socket_mode(intake: Intake, app: App, app_token: str, runtime: Runtime) -> None:
    """Socket Mode: each envelope is kept in the inbox, then acknowledged; health and metrics on --metrics-port."""
    stop, ops = runtime.stop, serve_ops(runtime)

    def on_request(client: SocketModeClient, request: SocketModeRequest) -> None:
        payload = request.payload if isinstance(request.payload, dict) else {}
        if payload.get("type") == "block_suggestion":  # answered in the acknowledgement itself
            options = intake.suggest(payload) if intake.suggest else {"options": []}
            client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id, payload=options))
            return
        ours = request.type in ("events_api", "slash_commands", "interactive") and bool(payload)
        if ours and not intake.take_socket(request.type, payload, request.envelope_id):
            return  # not kept: unacknowledged, so Slack sends it again
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))

    client = SocketModeClient(
        app_token=app_token, web_client=app.client, logger=logging.getLogger("coopbot.slack.socket")
    )
    client.socket_mode_request_listeners.append(on_request)  # type: ignore[arg-type]
    client.connect()
    log.info("coopbot is connected to Slack in Socket Mode")
    try:
        _wait(stop)
    finally:
        client.close()
        if ops is not None:
            ops.stop()
