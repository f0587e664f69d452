"""Which records could use a question's own words, found without reading every record.

`FactIndex.lexical` decides whether a record's text uses a word: a Korean word by its stems (부처들로 finds
부처), each of which begins with the word's first two letters; any other word by itself, its English bases,
or (five letters or more) as the start of a longer word. This index answers the looser question "which texts
could": Korean texts by the two-letter pairs they hold that have a Hangul syllable in them, and every text by
its English words. It returns a superset, in the records' order, and `lexical` then counts on those alone, so
an answer is the same as reading every record, in time that grows with the records that share a word rather
than with the fact base.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from collections.abc import Iterable
from typing import Any

from bot.reading.vocabulary import english_bases

# Overlapping two-letter pairs with a Hangul syllable in them (lookahead: every start position).
_PAIRS = re.compile(r"(?=([\uac00-\ud7a3].|.[\uac00-\ud7a3]))", re.S)
PREFIX_MIN = 5  # a word this long also finds the longer words it begins (as `FactIndex.uses` decides)


class WordIndex:
    """Positions of texts (one list, in the records' order) by Hangul pair and by English word."""

    def __init__(self, texts: Iterable[str], english: Iterable[frozenset[str]]) -> None:
        pairs: dict[str, list[int]] = {}
        words: dict[str, list[int]] = {}
        for at, (text, found) in enumerate(zip(texts, english, strict=True)):
            for pair in set(_PAIRS.findall(text)):
                pairs.setdefault(pair, []).append(at)
            for word in found:
                words.setdefault(word, []).append(at)
        # Compact: a hundred times the real fact base holds about a million positions.
        self._pairs = {k: array("I", v) for k, v in pairs.items()}
        self._words = {k: array("I", v) for k, v in words.items()}
        self._sorted = sorted(self._words)

    def hangul(self, word: str) -> set[int] | None:
        """Positions of the texts that could use a Korean word (those holding its first two letters; `lexical`
        decides), or None when the word begins without a Hangul syllable (14명): then every text could."""
        head = word[:2]
        if len(head) < 2 or not _PAIRS.match(head):
            return None
        return set(self._pairs.get(head, ()))

    def english(self, word: str) -> set[int]:
        """Positions of the texts that use any other word, exactly as `Ranker.uses` decides: the word or one of
        its English bases among their words, or, five letters or more, the start of one of them."""
        found = {at for form in (word, *english_bases(word)) for at in self._words.get(form, ())}
        if len(word) >= PREFIX_MIN:
            found.update(at for longer in self._starting(word) for at in self._words[longer])
        return found

    def _starting(self, prefix: str) -> list[str]:
        """The indexed words that begin with `prefix`."""
        start = bisect_left(self._sorted, prefix)
        end = start
        while end < len(self._sorted) and self._sorted[end].startswith(prefix):
            end += 1
        return self._sorted[start:end]


def literal_pattern(strings: Iterable[str]) -> re.Pattern[str]:
    """A regular expression that finds any of `strings` in a text, written as a trie (kim(?:ura)?|lee), so a
    search takes time with the text's length, not with the number of strings. Finds nothing when given none."""
    trie: dict[str, dict[str, Any]] = {}
    for text in strings:
        if text:
            node = trie
            for letter in text:
                node = node.setdefault(letter, {})
            node[""] = {}  # a string ends here
    return re.compile(_alternatives(trie) if trie else "(?!)")


def _alternatives(node: dict[str, dict[str, Any]]) -> str:
    branches = [re.escape(letter) + _alternatives(child) for letter, child in sorted(node.items()) if letter]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body
