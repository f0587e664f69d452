"""In a long message, the sentence that asks: a delegate's three paragraphs of context end in one question.

The message is split into sentences; the question is the last sentence that ends in a question mark,
else the last that holds a question word, else the last sentence. The sentences before it are kept as
context: a question that names nothing ("When was it signed?") borrows the names they mention.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_CHARS = 6000  # a message is read up to this length; beyond it, from its end (where the question is)
SENTENCE_CHARS = 1000  # a question sentence is read up to this length (beyond it, it is not a sentence)
SHORT = 160  # a message this short is read whole unless a later sentence is the question
GUESS_WORDS = 2  # a last sentence this short after a question only guesses its answer ('koica?')
_SPLIT = re.compile(r"(?<=[.!?。？！])\s+|\n+|(?<=[다요죠])\.\s*")
_LETTER = re.compile(r"[^\W\d_]")
_QUESTION_WORDS = re.compile(
    r"\b(?:when|what|who|whom|where|which|why|how|is|was|were|did|does|do|has|have|can|could|tell|list)\b"
    r"|언제|몇|얼마|누구|누가|어디|무엇|뭐|무슨|어느|어떤|어떻게|왜|알려|있어|있나요|인가요|했어|했나요|맞아|맞나요|\?"
)


@dataclass(frozen=True, slots=True)
class Focus:
    question: str
    context: tuple[str, ...]  # the sentences before it, nearest last
    cut: bool  # part of the message was not read


def focus(text: str) -> Focus:
    cut = len(text) > MAX_CHARS
    if cut:
        text = text[-MAX_CHARS:]
    # A part with no letters ('???') is punctuation, not a sentence.
    parts = [p.strip() for p in _SPLIT.split(text) if p and _LETTER.search(p)] or [text]
    if len(parts) == 1 or (
        len(text) <= SHORT and "\n" not in text and not _QUESTION_WORDS.search(parts[-1].casefold())
    ):
        return Focus(text[:SENTENCE_CHARS], (), cut or len(text) > SENTENCE_CHARS)
    if _guess(parts):
        parts = parts[:-1]  # the question is the one before; the guess names no subject ('한국에서?' of a place)
    index = _question_index(parts)
    question = parts[index]
    return Focus(question[:SENTENCE_CHARS], tuple(parts[:index]), cut or len(question) > SENTENCE_CHARS)


def _guess(parts: list[str]) -> bool:
    """A last sentence that only guesses the answer to the question before it ('KEPS 무슨 재원으로 했지? koica?',
    '어디서 했어요? 한국에서?')."""
    last = parts[-1].casefold().replace("?", "").replace("？", "")
    return (
        len(parts) > 1
        and len(last.split()) <= GUESS_WORDS
        and not _QUESTION_WORDS.search(last)  # ('몽골이랑은? 언제?' asks when)
        and parts[-2].rstrip(" !.~").endswith(("?", "？"))
        and _QUESTION_WORDS.search(parts[-2].casefold()) is not None
    )


def _question_index(parts: list[str]) -> int:
    for i in range(len(parts) - 1, -1, -1):
        if parts[i].rstrip(" !.~").endswith(("?", "？")):
            return i
    for i in range(len(parts) - 1, -1, -1):
        if _QUESTION_WORDS.search(parts[i].casefold()):
            return i
    return len(parts) - 1
