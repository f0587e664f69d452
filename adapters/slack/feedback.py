"""👍 and 👎 under answers, and what people were looking for (a modal after 👎)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from adapters.slack.delivery import ClickLimit, Delivery
from adapters.slack.rendering import (
    FEEDBACK_DOWN,
    FEEDBACK_UP,
    FEEDBACK_VIEW,
    feedback_view,
)
from bot import (
    Coopbot,
    Lang,
    Runtime,
)

log = logging.getLogger("coopbot.slack")


class FeedbackListeners:
    """👍/👎 buttons under answers and the 👎 modal's comment, each counted against the person's limit."""

    def __init__(
        self, bot: Coopbot, lang: Lang | None, runtime: Runtime, delivery: Delivery, admitted: ClickLimit
    ) -> None:
        self.bot, self.lang, self.runtime, self.delivery, self.admitted = bot, lang, runtime, delivery, admitted

    def register(self, app: App) -> None:
        app.action(FEEDBACK_UP)(self.on_feedback_button)
        app.action(FEEDBACK_DOWN)(self.on_feedback_button)
        app.view(FEEDBACK_VIEW)(self.on_feedback_comment)

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
            self.delivery.respond_logged(body["response_url"], self.bot.message("feedback_thanks", lang))

    def on_feedback_comment(self, ack: Callable[..., None], body: dict[str, Any], view: dict[str, Any]) -> None:
        ack()
        if not self.admitted(body):
            return
        feedback = self.runtime.feedback
        values = view.get("state", {}).get("values", {})
        text = str(values.get("comment", {}).get("text", {}).get("value") or "")
        if feedback is not None and text.strip():
            feedback.comment(str(view.get("private_metadata", "")), f"slack:{body['user']['id']}", text)
