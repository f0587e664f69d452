"""Korean particles that depend on the word before them, and the message formatter that picks them.

A Korean particle pair such as 이/가 takes its first form after a word ending in a consonant (받침)
and its second after a vowel: 금액이, 날짜가. 으로/로 is the exception: ㄹ takes 로 (서울로). A word
that does not end in Hangul is read aloud (digits as Sino-Korean numbers, Latin letters by name):
"ADB" ends in a vowel (디), "2013" in a consonant (삼), "APPeN" in one too (엔).

Messages write `{name:이/가}`; `MessageFormatter` appends the right form to the value.
"""

from __future__ import annotations

import string
from typing import Any

_HANGUL_BASE, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # index of ㄹ among the final consonants
# How a trailing digit is read: its final consonant index (0 = none). 0 영, 1 일, 2 이, 3 삼, 4 사, 5 오, 6 육,
# 7 칠, 8 팔, 9 구.
_DIGIT_TAIL = {"0": 21, "1": _RIEUL, "2": 0, "3": 16, "4": 0, "5": 0, "6": 1, "7": _RIEUL, "8": _RIEUL, "9": 0}
# Latin letters read with a final consonant: L (엘), M (엠), N (엔), R (알).
_LATIN_TAIL = {"l": _RIEUL, "m": 16, "n": 4, "r": _RIEUL}
_CLOSERS = "]}\"'”’»」』"


def final_consonant(word: str) -> int | None:
    """The final consonant index (0 for a vowel) of how `word` ends when read aloud, None if unknown."""
    text = word.rstrip(_CLOSERS + " .,")
    # A closing parenthesis ends a gloss: the particle follows the word before it, 베트남(2008년)과.
    while text.endswith(")") and "(" in text:
        text = text[: text.rindex("(")].rstrip()
    if not text:
        return None
    last = text[-1]
    if _HANGUL_BASE <= ord(last) <= _HANGUL_LAST:
        return (ord(last) - _HANGUL_BASE) % 28
    if last.isdigit():
        return _DIGIT_TAIL[last]
    if last.isascii() and last.isalpha():
        return _LATIN_TAIL.get(last.lower(), 0)
    return None


def particle(word: str, pair: str) -> str:
    """`word` followed by the form of a particle pair that fits it: particle("금액", "이/가") -> "금액이"."""
    after_consonant, _, after_vowel = pair.partition("/")
    tail = final_consonant(word)
    if tail is None:
        return f"{word}{after_consonant}({after_vowel})"
    if after_consonant == "으로":
        return word + ("로" if tail in (0, _RIEUL) else "으로")
    return word + (after_consonant if tail else after_vowel)


class MessageFormatter(string.Formatter):
    """str.format with one addition: a format spec like `이/가` attaches the matching Korean particle."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "/" in format_spec:
            return particle(str(value), format_spec)
        return str(super().format_field(value, format_spec))


FORMATTER = MessageFormatter()
