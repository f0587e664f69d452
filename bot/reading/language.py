"""Which language a question is in: the share of Hangul among its letters, names masked out."""

from __future__ import annotations

import re

from bot.factbase.model import Lang
from bot.text.normalize import HANGUL

DEFAULT: Lang = "ko"
_LATIN = re.compile("[A-Za-z]")  # what ch.isascii() and ch.isalpha() accept
KOREAN_SHARE = 0.4  # a question with this share of Hangul words (names removed) is Korean


def hangul_share(text: str) -> float | None:
    """Share of Hangul among letters, or None when there are no letters at all."""
    hangul = len(HANGUL.findall(text))
    latin = len(_LATIN.findall(text))
    return hangul / (hangul + latin) if hangul + latin else None


def korean_word_share(text: str) -> float | None:
    """Share of words written in Hangul among words with letters: a Hangul syllable carries a whole
    syllable of sound, so counting letters would let one English word outvote a Korean sentence."""
    hangul = latin = 0
    for word in text.split():
        share = hangul_share(word)
        if share is not None:
            hangul += share >= 0.5
            latin += share < 0.5
    return hangul / (hangul + latin) if hangul + latin else None


def detect(residual: str, names: str, fallback: Lang | None) -> Lang:
    """The question's language from its words other than names.

    A message that is only a name ("ADB", "몽골") keeps the conversation's language (`fallback`),
    and with no conversation yet, the name's own script decides.
    """
    share = korean_word_share(residual)
    if share is None:
        if fallback:
            return fallback
        share = korean_word_share(names)
        if share is None:
            return DEFAULT  # nothing to tell by: PPS's own language
    return "ko" if share >= KOREAN_SHARE else "en"
