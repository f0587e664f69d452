"""The HTML report's text and markup: what people typed, made fit to show (escaped, clipped, without control
characters), figures and times as a reader wants them, and the page's sections, tables and empty notes."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from bot.text.controls import strip_controls
from bot.text.normalize import has_hangul

CLIP = 300  # characters of a question or answer shown; a curator needs the gist, not the paste


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def clean(value: object, limit: int = CLIP) -> str:
    """User text made fit to show: clipped first (a 1 MB paste is not walked twice), control characters,
    ESC sequences and bidi overrides dropped, lone surrogates replaced (bot/text/controls.py), whitespace folded."""
    text = "" if value is None else str(value)
    text = " ".join(strip_controls(text[: limit * 4]).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cleaned(texts: Iterable[str], limit: int = CLIP) -> list[str]:
    """Texts made fit to show, leaving out those of which nothing is left to show."""
    return [text for text in (clean(item, limit) for item in texts if item) if text]


def clip_units(text: str, units: int) -> str:
    """Clipped to about `units` half-width characters: a Hangul syllable takes the room of two letters."""
    used = 0
    for i, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > units:
            return text[: max(i - 1, 0)].rstrip() + "…"
    return text


def lang_attr(text: str) -> str:
    """A lang attribute for text with Hangul, so the browser picks a Korean font for it."""
    return ' lang="ko"' if has_hangul(text) else ""


def words(key: str) -> str:
    return key.replace("_", " ")


def number(value: int) -> str:
    return f"{value:,}"


def time_tag(moment: datetime) -> str:
    """A moment as `2026-11-17 09:00 UTC`: a reader wants the minute, not the second."""
    offset = moment.utcoffset()
    zone = "" if offset is None else " UTC" if offset == timedelta(0) else moment.strftime(" UTC%z")
    return f'<time datetime="{esc(moment.isoformat())}">{moment.strftime("%Y-%m-%d %H:%M")}{zone}</time>'


def days_between(since: datetime, until: datetime) -> str:
    days = round((until - since).total_seconds() / 86400, 1)
    return f"({days:g}\u00a0day{'' if days == 1 else 's'})"


def empty(text: str) -> str:
    return f'<p class="muted">{esc(text)}</p>'


def section(ident: str, title: str, body: str) -> str:
    return (
        f'<section id="{ident}" aria-labelledby="{ident}-h">\n<h2 id="{ident}-h">{esc(title)}</h2>\n{body}</section>\n'
    )


def table(head: str, rows: Sequence[str], foot: str = "", cls: str = "") -> str:
    """A table in a wrapper that scrolls sideways, so a wide table never widens the page on a phone."""
    foot = f"<tfoot>{foot}</tfoot>" if foot else ""
    opening = f'<table class="{cls}">' if cls else "<table>"
    return f'<div class="scroll">{opening}<thead>{head}</thead><tbody>{"".join(rows)}</tbody>{foot}</table></div>\n'
