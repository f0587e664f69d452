"""What curators do in Slack: `/coop report` and `/coop status`, teaching a cluster as a record, dismissing
one; and the curators' channel told of a change to knowledge/ that could not be taken."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import App

from adapters.slack.conversations import Where, reply_lang, session_key, where_in
from adapters.slack.delivery import ClickLimit, Delivery
from adapters.slack.rendering import (
    CLUSTER_BLOCK,
    DISMISS_ACTION,
    TEACH_ACTION,
    TEACH_SEARCH_ACTION,
    fact_options,
    notice_message,
    report_message,
)
from bot import (
    TEXTS,
    Cache,
    Coopbot,
    Lang,
    Reloaded,
    Runtime,
)

log = logging.getLogger("coopbot.slack")

CLUSTERS_KEPT = 500  # clusters shown to curators, remembered for their teach and dismiss actions
REPORT_DAYS = 7
CURATOR_COMMANDS = ("report", "status")


class Curators:
    """The curators' commands and actions (curators only: `COOPBOT_CURATORS`)."""

    def __init__(
        self, bot: Coopbot, lang: Lang | None, runtime: Runtime, delivery: Delivery, admitted: ClickLimit
    ) -> None:
        self.bot, self.lang, self.curation, self.delivery, self.admitted = (
            bot,
            lang,
            runtime.curation,
            delivery,
            admitted,
        )
        # The questions of each cluster a curator was shown, by key, for the teach and dismiss actions.
        self.clusters: Cache[str, list[str]] = runtime.caches.make("slack-clusters", CLUSTERS_KEPT, TEXTS)

    def register(self, app: App) -> None:
        app.action(TEACH_ACTION)(self.on_teach)
        app.action(TEACH_SEARCH_ACTION)(self.on_teach)
        app.action(DISMISS_ACTION)(self.on_dismiss)

    def command(self, word: str, where: Where, person: str) -> None:
        """`/coop report` and `/coop status`, for curators only."""
        lang = reply_lang(self.bot, self.lang, where, "")
        if self.curation is None or not self.curation.is_curator(person):
            self.delivery.say(where, self.bot.message("curators_only", lang))
            return
        if word == "status":
            self.delivery.say(where, self.curation.status(lang))
            return
        clusters = self.curation.clusters()
        days = str(REPORT_DAYS)
        if not clusters:
            self.delivery.say(where, self.bot.message("report_none", lang, days=days))
            return
        for cluster in clusters:
            self.clusters.put(cluster.key, list(cluster.questions))
        facts = {f.id: f.text(lang) for f in self.bot.kb.facts}
        self.delivery.deliver_logged(
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
        where = where_in(
            context, session_key(context.get("team_id"), "curation", person), response_url=body.get("response_url")
        )
        lang = self.lang or "ko"
        if self.curation is None or not self.curation.is_curator(person):
            self.delivery.say(where, self.bot.message("curators_only", lang))
            return
        key = (
            str(action.get("block_id", "")).removeprefix(CLUSTER_BLOCK)
            if teach is not None
            else str(action.get("value", ""))
        )
        questions = self.clusters.get(key)
        if questions is None:
            self.delivery.say(where, self.bot.message("report_expired", lang))
            return
        if teach is None:
            self.curation.dismiss(questions, f"slack:{person}")
            self.delivery.say(where, self.bot.message("dismissed", lang, count=str(len(questions))))
            return
        result = self.curation.teach(questions, teach, f"slack:{person}")
        if result.ok:
            fact = next((f.text(lang) for f in self.bot.kb.facts if f.id == teach), teach)
            self.delivery.say(where, self.bot.message("taught", lang, count=str(len(questions)), fact=fact))
        else:
            problems = "\n".join(str(p) for p in result.problems[:10])
            self.delivery.say(where, self.bot.message("teach_failed", lang) + "\n" + problems)

    def suggest(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Facts matching what a curator types in the "teach as" search (curators only)."""
        person = (payload.get("user") or {}).get("id")
        if self.curation is None or not self.curation.is_curator(person):
            return {"options": []}
        return fact_options(self.curation.search(str(payload.get("value", "")), self.lang or "ko"))

    def tell(self, channel: str, result: Reloaded) -> None:
        """A change to knowledge/ that could not be taken, posted to the curators' channel."""
        if result.ok:
            return
        lang = self.lang or "ko"
        head = self.bot.message("reload_failed", lang, count=str(len(result.problems)))
        text = head + "\n" + "\n".join(str(p) for p in result.problems[:20])
        self.delivery.deliver_logged(Where(f"curators:{channel}", channel), notice_message(text))
