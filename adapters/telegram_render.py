"""Telegram rendering of an Answer: HTML parse mode, split into messages, suggestions as buttons.

Every text that reaches the HTML comes from the user or the fact base, so all of it is escaped;
the only markup is the tags written here. Messages are split on paragraph boundaries, and a
paragraph is cut only when it alone is over the limit; a cut paragraph keeps its tags on each part.
"""

from __future__ import annotations

import hashlib
import html
import re
from base64 import urlsafe_b64encode
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import Answer
from bot.labels import label

MAX_MESSAGE = 4096  # Telegram's limit, counted in UTF-16 code units of the text after entity parsing
BUTTON_PREFIX = "q:"
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


def pieces(answer: Answer, quote: str | None = None, note: str | None = None) -> list[Piece]:
    """The answer's paragraphs in reading order; staff-only blocks are never among them.

    `quote` repeats the question a button asked; `note` is a remark on the question (it was cut).
    """
    lang = answer.language
    out: list[Piece] = [Piece(quote, "blockquote")] if quote else []
    if note:
        out.append(Piece(note, "i"))
    if answer.title:
        out.append(Piece(answer.title, "b"))
    for block in answer.body:
        if block.internal:  # the core filters these for a public audience; this is the second lock
            continue
        if block.kind == "list":
            out.append(Piece("\n".join(f"• {item}" for item in block.items)))
        elif block.text:
            out.append(Piece(block.text, "i" if block.kind == "note" else None))
    shown = " ".join(p.text for p in out)
    if answer.contact and answer.contact.line() not in shown:
        out.append(Piece(f"{label('contact', lang)}: {answer.contact.line()}"))
    # Sources the body already lists in full (as /about does) are not repeated in the footer.
    shown = " ".join(p.text for p in out)
    cited = [c for c in (s.citation() for s in answer.sources) if c not in shown]
    if cited:
        out.append(Piece(f"{label('sources', lang)}: {'; '.join(cited)}", "i"))
    return out


def render(answer: Answer, quote: str | None = None, note: str | None = None, limit: int = MAX_MESSAGE) -> list[str]:
    """The answer as one or more HTML messages, each within `limit` visible characters."""
    return pack([part for piece in pieces(answer, quote, note) for part in cut(piece, limit)], limit)


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
    store stays small; the oldest keys are forgotten past `capacity`.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._questions: OrderedDict[str, str] = OrderedDict()

    def key(self, question: str) -> str:
        digest = hashlib.blake2b(question.encode(), digest_size=12).digest()
        key = BUTTON_PREFIX + urlsafe_b64encode(digest).decode().rstrip("=")
        self._questions[key] = question
        self._questions.move_to_end(key)
        while len(self._questions) > self.capacity:
            self._questions.popitem(last=False)
        return key

    def question(self, key: str) -> str | None:
        return self._questions.get(key)


def keyboard(questions: tuple[str, ...], key: Callable[[str], str]) -> InlineKeyboardMarkup | None:
    """One button per suggested question, each on its own row (the questions are sentences)."""
    if not questions:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(q, callback_data=key(q))] for q in questions])


def button_text(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The label of the button with this callback_data (a key the store may have forgotten)."""
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
