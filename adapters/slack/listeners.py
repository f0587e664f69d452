"""The listeners of questions: mentions, direct messages, /coop, suggestion and share buttons, the Home tab;
each question through the per-question policy, each answer delivered."""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from adapters.delivery import NotDelivered, PossiblyDelivered
from adapters.slack.audience import Audiences
from adapters.slack.client import web_client
from adapters.slack.conversations import (
    KEPT,
    RECEIVED,
    Kept,
    Where,
    from_slack,
    reply_lang,
    session_key,
    shared_channel,
    where_in,
)
from adapters.slack.curators import CURATOR_COMMANDS, Curators
from adapters.slack.delivery import ClickLimit, Delivery
from adapters.slack.rendering import (
    ASK_ACTION,
    SHARE_ACTION,
    home_view,
    render_answer,
)
from adapters.slack.settings import SURFACE, Settings
from bot import (
    LANGS,
    Answer,
    Audience,
    Cache,
    Coopbot,
    Lang,
    Question,
    Runtime,
    is_outage,
    lay_out,
    parse_command,
    plain_text,
)

log = logging.getLogger("coopbot.slack")

ANSWER_CACHE = 500  # ephemeral answers kept for their "share in channel" button
MESSAGE_SUBTYPES = (None, "file_share", "thread_broadcast")  # what a person typing sends


class SlackListeners:
    """Bolt listeners that turn Slack payloads into questions for the per-question policy and deliver the
    Answers. They run on a worker (adapters/slack/intake.py) for a request already in the inbox; the
    request's inbox key and whether it is resumed after a restart come in Bolt's context."""

    def __init__(
        self,
        bot: Coopbot,
        settings: Settings,
        runtime: Runtime,
        delivery: Delivery,
        curators: Curators,
        admitted: ClickLimit,
    ) -> None:
        self.bot, self.lang, self.runtime, self.delivery, self.curators = (
            bot,
            settings.lang,
            runtime,
            delivery,
            curators,
        )
        self.admitted = admitted
        # Ephemeral answers by key, so "share in channel" posts the very answer the asker saw.
        self.answers: Cache[str, Kept] = runtime.caches.make("slack-answers", ANSWER_CACHE, KEPT)
        reader = web_client(settings.bot_token, settings.api_url, runtime=runtime)
        self.audiences = Audiences(reader, runtime.caches, settings.audience)
        self._failed = threading.local()  # the outage that made this thread's request fail, for `answerer`
        self.asking = admitted.asking  # the per-question policy: limit, lateness, the log, metrics

    def register(self, app: App) -> None:
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home)
        app.command(re.compile(r"^/coop"))(self.on_command)  # also /coop-dev etc. in a test workspace
        app.action(re.compile(rf"^{ASK_ACTION}_\d+$"))(self.on_ask_button)
        app.action(SHARE_ACTION)(self.on_share_button)
        app.error(self.on_error)

    def prefetch(self, payload: Mapping[str, Any]) -> None:
        """Start looking up who reads the conversation of a request just taken (adapters/slack_audience.py)."""
        event, channel = payload.get("event"), payload.get("channel")
        if isinstance(event, dict):
            dm = event.get("channel_type") == "im"
            self.audiences.prefetch(event.get("user"), None if dm else event.get("channel"), shared_channel(payload))
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

    def on_mention(self, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return
        channel = event["channel"]
        thread = event.get("thread_ts") or event["ts"]  # a mention is answered in its thread
        audience = self.audiences.of(event.get("user"), channel, shared_channel(body))
        where = where_in(context, session_key(context.get("team_id"), channel, thread), channel, thread, audience)
        text = from_slack(event.get("text", ""), context.get("bot_user_id"))
        self.reply(where, text, person=event.get("user"), asked_at=body.get("event_time"))

    def on_message(self, event: dict[str, Any], body: dict[str, Any], context: dict[str, Any]) -> None:
        if event.get("channel_type") != "im" or not self._from_a_person(event, context):
            return  # channel messages come as app_mention; edits, joins and bots are not questions
        channel, thread = event["channel"], event.get("thread_ts")
        session = session_key(context.get("team_id"), channel, thread or event["user"])
        audience = self.audiences.of(event["user"])  # a direct message with the bot: read by its writer alone
        where = where_in(context, session, channel, thread, audience)
        text = from_slack(event.get("text", ""), context.get("bot_user_id"))
        if not text and event.get("files"):
            self.delivery.deliver(where, render_answer(self.bot.notice("non_text", self._lang(where, ""))))
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

    def on_command(self, ack: Callable[..., None], command: dict[str, Any], context: dict[str, Any]) -> None:
        ack()  # the intake acknowledged Slack already; Bolt wants every request acked
        session = session_key(context.get("team_id"), command["channel_id"], command["user_id"])
        audience = self.audiences.of(command["user_id"], command["channel_id"])
        where = where_in(context, session, audience=audience, response_url=command["response_url"])
        text = from_slack(command.get("text", ""), context.get("bot_user_id"))
        word = text.split(maxsplit=1)[0].casefold() if text.strip() else ""
        if word in CURATOR_COMMANDS:
            self.curators.command(word, where, command["user_id"])
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

    def _where_clicked(self, body: dict[str, Any], context: dict[str, Any], client: WebClient) -> Where:
        """A button's conversation: the ephemeral answer, the DM, the channel thread; from App Home the DM."""
        team, user = context.get("team_id"), body["user"]["id"]
        container = body.get("container", {})
        if container.get("type") == "view":
            channel = client.conversations_open(users=user)["channel"]["id"]
            return where_in(context, session_key(team, channel, user), channel, None, self.audiences.of(user, channel))
        channel = body["channel"]["id"]
        audience = self.audiences.of(user, channel)
        if container.get("is_ephemeral"):
            session = session_key(team, channel, user)
            return where_in(context, session, audience=audience, response_url=body["response_url"])
        message = body.get("message", {})
        if channel.startswith("D"):
            thread = message.get("thread_ts")
            return where_in(context, session_key(team, channel, thread or user), channel, thread, audience)
        thread = message.get("thread_ts") or message.get("ts") or container.get("message_ts")
        return where_in(context, session_key(team, channel, thread), channel, thread, audience)

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
                self.delivery.respond_logged(url, self.bot.message("share_expired", lang))
                return
            lang = kept.answer.language
            audience = self.audiences.of(body["user"]["id"], (body.get("channel") or {}).get("id"))
            answer = kept.answer if kept.answer.audience == audience else self.answer_again(kept, audience)
            self.delivery.respond(url, {**render_answer(answer).payload(), "response_type": "in_channel"})
            self.delivery.respond(url, {"delete_original": True})
        except PossiblyDelivered as err:
            log.warning("possible loss: a shared answer may not have arrived (%s)", err)
        except Exception:
            log.exception("could not share an answer")
            self.delivery.deliver_or_log(where, self.bot.notice("error", lang))

    def answer_again(self, kept: Kept, audience: Audience) -> Answer:
        """A kept answer's question answered anew for `audience`, outside the asker's conversation."""
        lang = kept.answer.language
        if kept.command is not None:
            return self.bot.command(*kept.command, lang=lang, audience=audience)
        return self.bot.ask(kept.text, lang=lang, audience=audience)

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
            self.delivery.deliver(where, render_answer(answer, asked=asked, share=share))
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
        return reply_lang(self.bot, self.lang, where, text)

    def apologise(self, where: Where, text: str) -> None:
        self.delivery.deliver_or_log(where, self.bot.notice("error", self._lang(where, text)))
