"""Finding the fact base's signals (an intent's phrasings, a topic's or a cue's words, as word tuples) in a
question's words: which share a word with it, whether one of several words is written as such, and whether a
one-word signal is only part of a longer one found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from bot.reading.vocabulary import Vocabulary, english_bases

S = TypeVar("S", bound=str)  # what a signal signals: an intent, a topic or a cue
Entry = tuple[S, tuple[str, ...]]  # what a signal signals and its words


def index_by_word(entries: list[Entry[S]]) -> dict[str, list[Entry[S]]]:
    """The entries each word is in: only those sharing a word with a question are scored for it."""
    index: dict[str, list[Entry[S]]] = {}
    for entry in entries:
        for word in set(entry[1]):
            index.setdefault(word, []).append(entry)
    return index


def inside_longer(signal: tuple[str, ...], matched: Sequence[tuple[str, tuple[str, ...]]]) -> bool:
    """A one-word signal that is part of a longer signal found (call in 'call center', head in 'delegation head')
    is that longer thing, not a topic of its own."""
    return len(signal) == 1 and any(
        len(other) > 1 and (signal[0] in other or any(signal[0] in english_bases(w) for w in other))
        for _, other in matched
    )  # ('get' is the 'got' of 'got to do with')


def in_order(signal: tuple[str, ...], tokens: list[str], vocab: Vocabulary) -> bool:
    """Whether a cue of several words is written as such: its words next to each other, in order."""
    if len(signal) == 1:
        return True
    for i in range(len(tokens) - len(signal) + 1):
        if all(w in vocab.matches(tokens[i + k], glued=False) for k, w in enumerate(signal)):
            return True
    return False


def candidates(index: dict[str, list[Entry[S]]], table: dict[str, float]) -> list[Entry[S]]:
    """The entries sharing at least one word with the question, each once, in a stable order."""
    return list(dict.fromkeys(entry for word in table for entry in index.get(word, ())))
