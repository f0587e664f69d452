"""Text normalisation shared by the fact-base loader and the answer engine.

NFC (never NFKC on the whole string: it would rewrite compatibility jamo and full-width forms the
user typed on purpose), zero-width characters removed, Latin casefolded, laughter and emoji noise
dropped, spaces collapsed. rapidfuzz applies no processor by default, so everything that is
compared goes through here first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")
# Laughter and crying (ㅋㅋ, ㅎㅎ, ㅠㅠ, ㅜㅜ), repeated punctuation, and pictographs/emoji.
_NOISE = re.compile(r"[ㅋㅎㅠㅜ]{2,}|[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200d]+")
_PUNCT = re.compile(r"[^\w\s·\-&]+")
_SPACES = re.compile(r"\s+")
_NUMBER_ABBREVIATION = re.compile(r"\bno\.(?=\s*of\b)")  # 'no. of participants' is the number, not 'no'

# Latin glued to Hangul is split (idb워크숍); digits keep their Korean unit (2023년, 14명).
_SCRIPT_SEAM = re.compile(r"(?<=[a-z])(?=[\uac00-\ud7a3])|(?<=[\uac00-\ud7a3])(?=[a-z])")
_NON_WORD = re.compile(r"[\W_]+")

_HANGUL_BASE, _HANGUL_LAST = 0xAC00, 0xD7A3
_LEADS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_TAILS = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
          "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")  # fmt: skip


def normalize(text: str) -> str:
    """The canonical form of a user's message: NFC, no zero-width or noise, casefolded, single spaces. Short
    texts (the curated ones, normalised again for every question that ranks them) are cached; a long
    message is not kept."""
    return _normalize_short(text) if len(text) <= CACHED_CHARS else _normalize(text)


CACHED_CHARS = 1000


@lru_cache(maxsize=8192)
def _normalize_short(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = _ZERO_WIDTH.sub("", text)
    text = _NOISE.sub(" ", text)
    if not text.isprintable():  # checked in C; only a text with a control or format character is walked
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return _SPACES.sub(" ", _NUMBER_ABBREVIATION.sub("number", text.casefold())).strip()


def words(text: str) -> list[str]:
    """Tokens of normalised text, punctuation removed (· and - kept inside names).

    Latin glued to Hangul is split (IDB워크숍 -> idb 워크숍): Korean writers often attach particles and
    nouns to acronyms without a space. Digits keep the Korean unit written after them (2023년, 14명).
    """
    text = _SCRIPT_SEAM.sub(" ", _PUNCT.sub(" ", text))
    return [w.strip("·-") for w in text.split() if w.strip("·-")]


@lru_cache(maxsize=65536)
def alias_key(name: str) -> str:
    """The key two names must share to be 'the same name': normalised, without spaces or punctuation."""
    return _NON_WORD.sub("", normalize(name))


def is_hangul(ch: str) -> bool:
    return _HANGUL_BASE <= ord(ch) <= _HANGUL_LAST or "\u3131" <= ch <= "\u318e"


HANGUL = re.compile("[\uac00-\ud7a3\u3131-\u318e]")  # what is_hangul accepts
_NOT_HANGUL = re.compile("[^\uac00-\ud7a3\u3131-\u318e]")
_SYLLABLE = re.compile("[\uac00-\ud7a3]")


def has_hangul(text: str) -> bool:
    """Whether any letter of `text` is Hangul (a syllable or a compatibility jamo)."""
    return HANGUL.search(text) is not None


def all_hangul(text: str) -> bool:
    return _NOT_HANGUL.search(text) is None


def to_jamo(text: str) -> str:
    """Spell Hangul syllables as compatibility jamo, so one mistyped vowel costs one letter, not a syllable."""
    return text.translate(_jamo_table())


@lru_cache(maxsize=1)
def _jamo_table() -> dict[int, str]:
    """Each of the 11,172 syllables as its jamo (made on first use: a start that compares no names skips it)."""
    table = {}
    for code in range(_HANGUL_LAST - _HANGUL_BASE + 1):
        lead, rest = divmod(code, 21 * 28)
        vowel, tail = divmod(rest, 28)
        table[_HANGUL_BASE + code] = _LEADS[lead] + _VOWELS[vowel] + _TAILS[tail]
    return table


def syllables(text: str) -> int:
    """How many Hangul syllables a name has (short names need exact matches)."""
    return len(_SYLLABLE.findall(text))
