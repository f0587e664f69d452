"""Where a reply goes (a channel and thread, or a response_url), the session a Slack conversation is, an
answer kept for its "share in channel" button, and Slack's message text as plain text for the core."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from bot import (
    Answer,
    Audience,
    Codec,
    Coopbot,
    Lang,
    from_data,
    to_data,
)

log = logging.getLogger("coopbot.slack")

_SLACK_MARKUP = re.compile(r"<([^<>]*)>")
KEY, RESUMED, RECEIVED = "coopbot_key", "coopbot_resumed", "coopbot_received"  # Bolt context entries


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


def shared_channel(body: Mapping[str, Any]) -> bool | None:
    """Whether an event's channel is shared with another organisation, as its envelope says (None: it does not)."""
    shared = body.get("is_ext_shared_channel")
    return shared if isinstance(shared, bool) else None


def session_key(team: str | None, channel: str, thread_or_user: str) -> str:
    return f"slack:{team or '-'}:{channel}:{thread_or_user}"


KEPT: Codec[Kept] = Codec(to_data, partial(from_data, Kept))  # a kept answer as Redis holds it


def reply_lang(bot: Coopbot, forced: Lang | None, where: Where, text: str) -> Lang:
    """The language of a reply not derived from an answer: the workspace's setting, else the conversation's."""
    return forced or bot.detect_language(text, where.session)


def where_in(
    context: Mapping[str, Any],
    session: str,
    channel: str | None = None,
    thread: str | None = None,
    audience: Audience = "public",
    response_url: str | None = None,
) -> Where:
    """Where the reply to the request in Bolt's `context` goes: the request's inbox key and whether it is resumed
    after a restart come with it."""
    key, resumed = str(context.get(KEY, "")), bool(context.get(RESUMED))
    return Where(session, channel, thread, response_url, key, resumed, audience)
