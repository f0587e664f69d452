"""Telegram rendering of an Answer's layout: HTML parse mode, split into messages, suggestions as buttons.

Every text that reaches the HTML comes from the user or the fact base, so all of it is escaped;
the only markup is the tags written here. Messages are split on paragraph boundaries, and a
paragraph is cut only when it alone is over the limit; a cut paragraph keeps its tags on each part.
"""

from __future__ import annotations

import hashlib
import html
import re
from base64 import urlsafe_b64encode
from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import BoundedCache, Cache, Layout, Part

MAX_MESSAGE = 4096  # Telegram's limit, counted in UTF-16 code units of the text after entity parsing
BUTTON_PREFIX = "q:"
FEEDBACK_PREFIX, UP, DOWN = "fb:", "u", "d"  # callback_data "fb:u:<ref>": well within 64 bytes
_BREAKS = (re.compile(r"\n"), re.compile(r"(?<=[.!?。])\s+"), re.compile(r"\s+"))


@dataclass(frozen=True, slots=True)
class Piece:
    """One paragraph of a message: plain text, optionally wrapped in one HTML element."""

    text: str
    tag: str | None = None
    href: str | None = None

    def html(self) -> str:
        body = html.escape(self.text, quote=False)
        if self.tag is None:
            return body
        attrs = f' href="{html.escape(self.href)}"' if self.href else ""
        return f"<{self.tag}{attrs}>{body}</{self.tag}>"


def visible_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def pieces(layout: Layout, quote: str | None = None) -> list[Piece]:
    """The layout as paragraphs in reading order; `quote` repeats the question a button asked.
    The suggestions are not among them: they are the keyboard's buttons."""
    out: list[Piece] = [Piece(quote, "blockquote")] if quote else []
    for part in layout.without("suggestions").parts:
        out.append(_piece(part))
    return out


def _piece(part: Part) -> Piece:
    marker = part.marker
    match part.role:
        case "title":
            return Piece(part.text, "b")
        case "list":
            lines = [f"• {item}" for item in part.items]
            return Piece(marker + "\n".join([part.text, *lines] if part.text else lines))
        case "note":
            return Piece(marker + part.text, "i")
        case "contact":
            return Piece(f"{part.label}: {part.text}")
        case "sources":
            return Piece(f"{part.label}: {'; '.join(part.items)}", "i")
        case _:
            return Piece(marker + part.text)


def render(layout: Layout, quote: str | None = None, limit: int = MAX_MESSAGE) -> list[str]:
    """The laid-out answer as one or more HTML messages, each within `limit` visible characters."""
    return pack([part for piece in pieces(layout, quote) for part in cut(piece, limit)], limit)


def pack(parts: list[Piece], limit: int = MAX_MESSAGE, separator: str = "\n\n") -> list[str]:
    """Greedily fill messages with whole paragraphs."""
    messages: list[list[Piece]] = []
    size = 0
    for part in parts:
        length = visible_len(part.text)
        if messages and size + visible_len(separator) + length <= limit:
            messages[-1].append(part)
            size += visible_len(separator) + length
        else:
            messages.append([part])
            size = length
    return [separator.join(p.html() for p in message) for message in messages]


def cut(piece: Piece, limit: int) -> list[Piece]:
    """A paragraph over the limit, cut at line ends, then sentence ends, then spaces, then anywhere."""
    if visible_len(piece.text) <= limit:
        return [piece]
    for pattern in _BREAKS:
        parts = _split_at(piece.text, pattern, limit)
        if parts:
            return [Piece(text, piece.tag, piece.href) for text in parts]
    return [Piece(text, piece.tag, piece.href) for text in _hard_split(piece.text, limit)]


def _split_at(text: str, pattern: re.Pattern[str], limit: int) -> list[str] | None:
    """Cut text at `pattern` into parts within limit, or None if some stretch has no such break."""
    parts: list[str] = []
    rest = text
    while visible_len(rest) > limit:
        fits = _fit(rest, limit)
        breaks = [m for m in pattern.finditer(rest[: fits + 1]) if m.start() > 0]
        if not breaks:
            return None
        parts.append(rest[: breaks[-1].start()])
        rest = rest[breaks[-1].end() :]
    return [*parts, rest] if rest else parts


def _hard_split(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    while text:
        fits = max(_fit(text, limit), 1)
        parts.append(text[:fits])
        text = text[fits:]
    return parts


def _fit(text: str, limit: int) -> int:
    """How many leading characters of text fit in `limit` UTF-16 code units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


class QuestionKeys:
    """Server-side keys for button questions: callback_data holds a short key, never the question.

    A key is a digest of the question, so the same suggestion always gets the same key and the
    store stays small; the least recently used keys are forgotten past `capacity` (or, in a cache shared by
    replicas, after a while).
    """

    def __init__(self, capacity: int = 10_000, cache: Cache[str, str] | None = None) -> None:
        self._questions: Cache[str, str] = cache if cache is not None else BoundedCache(capacity)

    def key(self, question: str) -> str:
        digest = hashlib.blake2b(question.encode(), digest_size=12).digest()
        key = BUTTON_PREFIX + urlsafe_b64encode(digest).decode().rstrip("=")
        self._questions.put(key, question)
        return key

    def question(self, key: str) -> str | None:
        return self._questions.get(key)


def keyboard(layout: Layout, key: Callable[[str], str]) -> InlineKeyboardMarkup | None:
    """One button per suggested question the layout offers, each on its own row (the questions are sentences),
    then 👍 and 👎 on one row when the layout offers feedback."""
    rows = [[InlineKeyboardButton(q, callback_data=key(q))] for q in layout.suggestions]
    if layout.feedback:
        rows.append(
            [
                InlineKeyboardButton("👍", callback_data=f"{FEEDBACK_PREFIX}{UP}:{layout.feedback}"),
                InlineKeyboardButton("👎", callback_data=f"{FEEDBACK_PREFIX}{DOWN}:{layout.feedback}"),
            ]
        )
    return InlineKeyboardMarkup(rows) if rows else None


def feedback_of(data: str) -> tuple[str, bool] | None:
    """The answer a feedback button votes on and whether the vote is up; None for any other button."""
    if not data.startswith(FEEDBACK_PREFIX):
        return None
    vote, _, ref = data.removeprefix(FEEDBACK_PREFIX).partition(":")
    return (ref, vote == UP) if ref and vote in (UP, DOWN) else None


def button_text(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The label of the button with this callback_data (a key the store may have forgotten)."""
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
