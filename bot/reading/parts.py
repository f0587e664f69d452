"""A question in several parts, split into the questions it asks.

"ADB연수 몇개국 몇명 왔어?", "Who was Administrator in 2023, and who in May 2024?", "언제 시작됐고, 몇 년째였나요?",
"When was the forum? How many attended?": each part is a question of its own, answered in turn (a later part
borrows what an earlier one named, as a follow-up does). A split is made only where each side asks something
(a question word, or a sentence ending in a question mark), so "Cameroon and Jordan" or "the MOU and its
signatories" stay one question.
"""

from __future__ import annotations

import re

MAX_PARTS = 3  # more parts than this is a list of questions, read as one
_EN_WH = r"(?:who|whom|whose|when|where|what|which|how|why)"
# A question word, or a figure asked for by its noun ('APPeN member count + how many ...').
_EN_ASKS = re.compile(r"\b(?:" + _EN_WH + r"|count|number of)\b", re.IGNORECASE)
# Korean words a question word begins ('몇개국', '언제야'): the reading (understand.py) asks by them too.
KO_QUESTION_STARTS = (
    "어느",
    "누구",
    "누가",
    "언제",
    "몇",
    "얼마",
    "어디",
    "왜",
    "뭐",
    "무엇",
    "무슨",
    "어떤",
    "어떻게",
    "어땠",
    "며칠",
    "몇일",
)
_KO_ASKS = re.compile("|".join(KO_QUESTION_STARTS))
# Where one question ends and the next begins: a question mark, 'and who ...', '..., 그리고 ...', '...됐고, ...'.
_SENTENCES = re.compile(r"(?<=[?？])\s+")
# ('..., and who ...', '... + how many ...', '... when start, how many day').
_EN_JOIN = re.compile(
    r",?\s+(?:and|but|also|\+|&)\s+(?=" + _EN_WH + r"\b)|,\s*(?=" + _EN_WH + r"\b)|;\s*", re.IGNORECASE
)
# '-고'/'-며' joining two clauses, not the quoting '-다고', '-라고', '-냐고' ('뭐가 강화됐다고 했어?').
_KO_JOIN = re.compile(r"(?<=[가-힣][고며])(?<![다라냐자려][고며]),?\s+|,?\s*그리고\s+")
# Korean asks several things of one predicate with several question words: '몇개국 몇명 왔어?', '언제 어디서 했어?'.
_KO_WORD = re.compile(r"(?<!\S)(몇\s?[가-힣]+|언제|어디서|어디|누가|누구|얼마)(?=\s|$|[?？])")
# An English part that is only a question word ('When and where was it held?'): it asks of the next part's rest.
_BARE_EN = re.compile(r"^\s*(" + _EN_WH + r"(?:\s+(?:many|much|long))?)\s*$", re.IGNORECASE)


def asks(text: str) -> bool:
    """Whether a piece of a message asks something: a question word, or it ends in a question mark."""
    return has_question_word(text) or text.rstrip().endswith(("?", "？"))


def has_question_word(text: str) -> bool:
    return bool(_EN_ASKS.search(text) or _KO_ASKS.search(text))


def parts_of(question: str) -> tuple[str, ...]:
    """The questions one message asks, in order; the message itself when it asks one."""
    pieces = [p for p in _SENTENCES.split(question.strip()) if p.strip()]
    if len(pieces) > 1 and not all(asks(p) for p in pieces):
        pieces = [question.strip()]
    out: list[str] = []
    for piece in pieces:
        out += _joined_parts(piece)
    out = [p for p in (p.strip(" ,;") for p in out) if p]
    return tuple(out) if 1 < len(out) <= MAX_PARTS else (question,)


def _joined_parts(piece: str) -> list[str]:
    """A sentence split where it joins two questions, each side asking something of its own."""
    for join in (_EN_JOIN, _KO_JOIN):
        sides = join.split(piece)
        if len(sides) > 1:
            sides = _bare_words_completed(sides)
            # A last part that is only a question word ('who signed the MOU and when') asks it of what the
            # parts before it name.
            if all(has_question_word(s) and (len(s.split()) >= 2 or i == len(sides) - 1) for i, s in enumerate(sides)):
                return [p for s in sides for p in _ko_words_apart(s)]
    return _ko_words_apart(piece)


def _bare_words_completed(sides: list[str]) -> list[str]:
    """'When and where was it held?' -> 'When was it held?', 'where was it held?'."""
    out = list(sides)
    for i in range(len(out) - 1):
        bare = _BARE_EN.match(out[i])
        if bare:
            nxt = out[i + 1]
            asked = _EN_ASKS.search(nxt)
            if asked and asked.start() == 0:
                rest = nxt[asked.end() :]
                out[i] = bare.group(1) + rest
    return out


def _ko_words_apart(piece: str) -> list[str]:
    """'ADB연수 몇개국 몇명 왔어?' -> 'ADB연수 몇개국 왔어?', 'ADB연수 몇명 왔어?': one question word each."""
    found = list(_KO_WORD.finditer(piece))
    kinds = {re.sub(r"\s", "", m.group(1)) for m in found}
    if len(found) < 2 or len(kinds) < len(found) or {"어디", "어디서"} <= kinds:
        return [piece]
    out = []
    for keep in found:
        text = piece
        for other in reversed(found):
            if other is not keep:
                text = text[: other.start()] + text[other.end() :]
        out.append(re.sub(r"\s{2,}", " ", text).strip())
    return out
