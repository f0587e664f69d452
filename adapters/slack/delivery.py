"""Delivering a reply: chat.postMessage never twice (after an ambiguous failure the conversation is searched
for the reply first), a response_url reply, and the notices to curators and askers."""

from __future__ import annotations

import logging
import time
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from adapters.delivery import NotDelivered, PossiblyDelivered
from adapters.slack.client import API_TIMEOUT, send_retry_handlers
from adapters.slack.conversations import Where
from adapters.slack.rendering import (
    SlackMessage,
    notice_message,
    render_answer,
)
from adapters.slack.settings import SURFACE
from bot import (
    Admission,
    Answer,
    Asking,
    Coopbot,
    Lang,
    Runtime,
    Unavailable,
    delays,
)

log = logging.getLogger("coopbot.slack")

POST_ATTEMPTS = 3  # tries of a post whose earlier tries certainly did not arrive
CHECK_LIMIT = 200  # messages read when looking for a reply that may have arrived
CHECK_ATTEMPTS = 3  # tries of that search before the request is left to be answered later
CHECK_SLACK_CLOCK = 60.0  # seconds of leeway between our clock and Slack's message timestamps
REPLY_EVENT = "coopbot_reply"  # metadata event_type of every reply, with the request's key


class Delivery:
    """How replies reach Slack: posted (never twice), or to a response_url; notices logged when they fail."""

    def __init__(self, poster: WebClient, runtime: Runtime) -> None:
        self.poster, self.runtime = poster, runtime

    def deliver(self, where: Where, message: SlackMessage) -> None:
        if where.response_url:
            self.respond(where.response_url, {**message.payload(), "response_type": "ephemeral"})
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
    def respond(url: str, payload: dict[str, Any]) -> None:
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

    def say(self, where: Where, text: str) -> None:
        self.deliver_logged(where, notice_message(text))

    def deliver_logged(self, where: Where, message: SlackMessage) -> None:
        try:
            self.deliver(where, message)
        except Exception:
            log.exception("could not reply in %s", where.session)

    def deliver_or_log(self, where: Where, answer: Answer) -> None:
        try:
            self.deliver(where, render_answer(answer))
        except Exception:
            log.exception("could not send a notice in %s", where.session)

    def respond_logged(self, url: str, text: str) -> None:
        try:
            self.respond(
                url, {**notice_message(text).payload(), "response_type": "ephemeral", "replace_original": False}
            )
        except Exception:
            log.exception("could not send a notice under a button")


class ClickLimit:
    """A click or a form counts against its person's limit like a question (the per-question policy's limit);
    the first one over it is told so where Slack gave a way to answer it, later ones in the window are not."""

    def __init__(self, asking: Asking, delivery: Delivery, bot: Coopbot, lang: Lang | None) -> None:
        self.asking, self.delivery, self.bot, self.lang = asking, delivery, bot, lang

    def __call__(self, body: dict[str, Any]) -> bool:
        person = (body.get("user") or {}).get("id")
        verdict = self.asking.admit(SURFACE, f"slack:{person}" if person else None)
        if verdict is Admission.ANSWER:
            return True
        if verdict is Admission.REFUSE and body.get("response_url"):
            where = Where(f"slack:limit:{person}", response_url=str(body["response_url"]))
            self.deliver_or_log(where, self.bot.notice("too_many", self.lang or "ko"))
        return False

    def deliver_or_log(self, where: Where, answer: Answer) -> None:
        self.delivery.deliver_or_log(where, answer)
