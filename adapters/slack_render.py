"""Render an Answer as a Slack message: Block Kit blocks plus a plain `text` fallback.

Pure functions over plain dicts (no Bolt, no network), so the layout is testable on its own.
Every piece of user or fact-base text goes through `escape`, so nothing rendered can ping
@channel/@here or forge a link, and every block stays inside Block Kit's limits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import Answer, Block
from bot.labels import label
from bot.model import Lang
from bot.render_text import render_plain

SECTION_LIMIT = 3000  # characters of a section's (or a context element's) text
MAX_BLOCKS = 50  # blocks of one message
MAX_HOME_BLOCKS = 100  # blocks of the App Home view
CONTEXT_ELEMENTS = 10  # elements of one context block
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
BUTTONS_PER_BLOCK = 5  # fewer than Block Kit's 25: a row of five stays readable
MAX_SUGGESTIONS = 5
HOME_EXAMPLES = 10  # example questions per language on the Home tab
TEXT_LIMIT = 3000  # the notification fallback: a summary, not the whole answer
ASKED_LIMIT = 300  # an echoed question above the answer of a clicked button

ASK_ACTION = "coop_ask"  # action_id prefix of a suggestion/example button: asks its value
SHARE_ACTION = "coop_share"  # action_id of "share in channel" under an ephemeral answer


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage / a response_url needs: the fallback text and the blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks}


# -- text -------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Slack's three control characters; `&` first so the others are not escaped twice."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut_point(text: str, limit: int) -> int:
    """Where to split `text` (at most `limit`): a line break, else a space, never inside an &entity;."""
    cut = text.rfind("\n", 0, limit + 1)
    if cut <= limit // 2:
        cut = text.rfind(" ", 0, limit + 1)
    if cut <= limit // 2:
        cut = limit
    amp = text.rfind("&", max(0, cut - 4), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        cut = amp
    return max(cut, 1)


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Already-escaped text in pieces of at most `limit` characters."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text.strip():
        pieces.append(text)
    return pieces


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def fallback_text(answer: Answer) -> str:
    """The plain `text` Slack shows in notifications and to clients without Block Kit."""
    return truncate(escape(render_plain(answer)), TEXT_LIMIT)


# -- blocks ---------------------------------------------------------------------------------------------


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(text)}


def context(texts: Sequence[str]) -> dict[str, Any]:
    return {"type": "context", "elements": [_mrkdwn(t) for t in texts]}


def _sections(text: str, prefix: str = "") -> list[dict[str, Any]]:
    return [section(prefix + piece) for piece in split_text(text, SECTION_LIMIT - len(prefix))]


def _contexts(text: str, prefix: str = "") -> list[dict[str, Any]]:
    pieces = split_text(text, SECTION_LIMIT - len(prefix))
    step = CONTEXT_ELEMENTS
    return [context([prefix + p for p in pieces[i : i + step]]) for i in range(0, len(pieces), step)]


def _internal_marker(lang: Lang) -> str:
    # Staff-only notes stand out: a lock and the "Internal" label before the text.
    return f":lock: *[{escape(label('internal', lang))}]* "


def body_blocks(block: Block, lang: Lang) -> list[dict[str, Any]]:
    """One body Block of the Answer as Slack blocks: paragraphs and lists as sections, notes as context."""
    prefix = _internal_marker(lang) if block.internal else ""
    if block.kind == "list":
        lines = "\n".join(f"\u2022 {escape(item)}" for item in block.items)
        text = f"{escape(block.text)}\n{lines}" if block.text else lines
        return _sections(text, prefix)
    if block.kind == "note":
        return _contexts(escape(block.text), prefix)
    return _sections(escape(block.text), prefix)


def button(text: str, value: str, action_id: str, primary: bool = False) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, BUTTON_TEXT_LIMIT), "emoji": False},
        "value": value[:BUTTON_VALUE_LIMIT],
        "action_id": action_id,
    }
    if primary:
        element["style"] = "primary"
    return element


def question_buttons(questions: Iterable[str]) -> list[dict[str, Any]]:
    """Buttons that ask their question; action_ids are unique within the message."""
    return [button(q, q, f"{ASK_ACTION}_{i}") for i, q in enumerate(questions) if q.strip()]


def actions(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"type": "actions", "elements": elements[i : i + BUTTONS_PER_BLOCK]}
        for i in range(0, len(elements), BUTTONS_PER_BLOCK)
    ]


def share_value(key: str, question: str, lang: Lang) -> str:
    """What the share button carries: the cached answer's key, and the question to ask again if it expired."""
    return json.dumps({"k": key, "q": question[:1500], "l": lang}, ensure_ascii=False)


def _sources_blocks(answer: Answer) -> list[dict[str, Any]]:
    if not answer.sources:
        return []
    cited = "\n".join(escape(s.citation()) for s in answer.sources)
    return _contexts(cited, f"*{escape(label('sources', answer.language))}:* ")


def _shown_text(answer: Answer) -> str:
    items = (item for block in answer.body for item in block.items)
    return "\n".join([answer.title, *(block.text for block in answer.body), *items])


def _contact_blocks(answer: Answer) -> list[dict[str, Any]]:
    # The core often writes the contact into the body already; say it once.
    if answer.contact is None or answer.contact.line() in _shown_text(answer):
        return []
    return _contexts(escape(answer.contact.line()), f"*{escape(label('contact', answer.language))}:* ")


def _tail_blocks(answer: Answer, share: str | None) -> list[dict[str, Any]]:
    """Sources, contact, then the buttons: suggestions, and share under an ephemeral answer."""
    tail = _sources_blocks(answer) + _contact_blocks(answer)
    elements = question_buttons(answer.suggestions[:MAX_SUGGESTIONS])
    if elements:
        tail.append(context([f"*{escape(label('suggestions', answer.language))}*"]))
    if share is not None:
        elements.append(button(label("share", answer.language), share, SHARE_ACTION, primary=True))
    return tail + actions(elements)


def _fit(head: list[dict[str, Any]], tail: list[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """At most `limit` blocks: the body gives way (ending in an ellipsis) so sources and buttons stay."""
    tail = tail[: limit - 1]
    room = limit - len(tail)
    if len(head) > room:
        head = [*head[: room - 1], section("\u2026")]
    return head + tail


def _head_blocks(answer: Answer, asked: str | None = None) -> list[dict[str, Any]]:
    """The echoed question (under a clicked button), the title and the body."""
    head: list[dict[str, Any]] = []
    if asked:
        head.append(context([f"\u203a {escape(truncate(asked, ASKED_LIMIT))}"]))
    if answer.title:
        head += _sections(f"*{escape(answer.title)}*")
    for block in answer.body:
        head += body_blocks(block, answer.language)
    return head


def answer_blocks(answer: Answer, *, asked: str | None = None, share: str | None = None) -> list[dict[str, Any]]:
    return _fit(_head_blocks(answer, asked), _tail_blocks(answer, share), MAX_BLOCKS)


def render_answer(answer: Answer, *, asked: str | None = None, share: str | None = None) -> SlackMessage:
    """An Answer as a message. `asked` echoes a clicked question; `share` adds the share button."""
    return SlackMessage(fallback_text(answer), answer_blocks(answer, asked=asked, share=share))


def render_notice(text: str) -> SlackMessage:
    """A curated one-liner from the core (the apology), as a message."""
    escaped = escape(text)
    return SlackMessage(truncate(escaped, TEXT_LIMIT), _sections(escaped)[:MAX_BLOCKS])


def home_view(about: Sequence[Answer], examples: dict[Lang, Sequence[str]]) -> dict[str, Any]:
    """The App Home tab: what coopbot knows, and example questions as buttons, in each language."""
    blocks: list[dict[str, Any]] = []
    room = MAX_HOME_BLOCKS // max(1, len(about))  # each language gets its share of the view
    for answer in about:
        # The about text already lists the documents: no sources line under it.
        part = _fit(_head_blocks(answer), [], room - 5)
        questions = question_buttons(examples.get(answer.language, ())[:HOME_EXAMPLES])
        if questions:
            part.append(context([f"*{escape(label('suggestions', answer.language))}*"]))
            part += actions(questions)
        blocks += [*part, {"type": "divider"}]
    return {"type": "home", "blocks": blocks[:-1][:MAX_HOME_BLOCKS]}
