"""Control characters out of text people typed, before a curator's terminal, browser or Slack shows it.

A logged question can hold anything: ESC sequences that clear a terminal (ESC[2J) or write its clipboard
(OSC 52), other C0 and C1 controls, DEL, and bidirectional overrides that make a line read other than it
is stored. Every report format strips them the same way, here; each then escapes its own markup.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

# An ESC sequence with its parameters and payload, in its 7-bit (ESC x) or 8-bit (C1) form: a CSI
# (cursor, colours, clearing); a string sequence (OSC, DCS, SOS, PM, APC: titles, the clipboard, images) up to
# its terminator, or to the end when it has none, as a terminal would swallow it; any other ESC and what
# it introduces.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[\x20-\x2f]*[\x30-\x7e]?"
)
_C0 = [*range(0x00, 0x20), 0x7F]
_C1 = list(range(0x80, 0xA0))
# Arabic letter mark, LRM/RLM, the embeddings and overrides (LRE..RLO) and the isolates (LRI..PDI).
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_SURROGATES = range(0xD800, 0xE000)  # lone halves (JSON allows them) cannot be written as UTF-8
_SPACES = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85"  # controls that separate words: a space, unless kept


@cache
def _table(keep: str) -> dict[int, str | None]:
    table: dict[int, str | None] = dict.fromkeys([*_C0, *_C1, *_BIDI])
    table.update(dict.fromkeys(_SURROGATES, "\ufffd"))
    table.update(dict.fromkeys(map(ord, _SPACES), " "))
    for char in keep:
        table.pop(ord(char), None)
    return table


def strip_controls(text: str, keep: str = "") -> str:
    """`text` without ESC sequences, C0 and C1 controls, DEL and bidirectional controls: those that separate
    words (a tab, a newline) become a space unless `keep` names them; lone surrogates become U+FFFD."""
    if text.isprintable():  # no control, format (bidi) or surrogate character: the common case, checked in C
        return text
    return _SEQUENCES.sub("", text).translate(_table(keep))


def strip_controls_in(value: Any, keep: str = "\n\t") -> Any:
    """Every string of a JSON-like value (keys too) through `strip_controls`."""
    if isinstance(value, str):
        return strip_controls(value, keep)
    if isinstance(value, dict):
        return {strip_controls_in(k, keep): strip_controls_in(v, keep) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strip_controls_in(item, keep) for item in value]
    return value
