"""The request: what one question asks, resolved against its conversation, frozen before anything answers it.

It is what answering works from (answerers.py): the question as read, the typed `Ask` that ranking and the
records take (what it is about, the detail wanted, the cues, the period), whether it asks yes or no, a figure it
states for confirmation, and the operation it asks for. Nothing changes it once it is resolved (resolve.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bot.answering.records import EVENT_KINDS
from bot.factbase.model import Cue
from bot.reading.lexicon import SMALLTALK
from bot.reading.question import Ask
from bot.reading.understand import Understanding

# What a question asks to be done with the records: look one up, confirm it (yes or no, or a figure stated),
# find the first, latest, next or n-th of a kind, count, list, compare named things, say what happened in a
# period, or whom to ask and where it is from; or what the sources never hold (how to apply, visit, buy).
Operation = Literal[
    "chat", "contact", "sources", "procedure", "confirm", "yes_no", "nth", "compare", "first", "latest", "next",
    "count", "list", "period", "look_up",
]  # fmt: skip
COMPARE_CUES: frozenset[Cue] = frozenset(
    ("earlier", "later", "more", "less", "difference", "than", "years", "compare", "ratio", "sum")
)
ORDERS: dict[Cue, Operation] = {"first": "first", "latest": "latest", "next": "next"}
# Topics that ask for something to be done (apply, visit, buy): the sources hold no procedure.
PROCEDURES = frozenset({"procedure"})


@dataclass(frozen=True, slots=True)
class Premise:
    """A figure the question states for confirmation: 'KONEPS was exported to 20 countries, right?'"""

    field: Literal["amount", "count", "year"]
    value: float


@dataclass(frozen=True, slots=True)
class Request:
    """One question, resolved: read, borrowed from its conversation where it leaves things out, typed."""

    reading: Understanding  # the question as read, before its conversation
    asked: str  # the question sentence as written
    ask: Ask  # what it asks, with the conversation's names and topics where it left them out
    yes_no: bool  # it asks yes or no ('Did ...?', '...했어?')
    past: bool  # it asks yes or no of the past: whether something happened ('Did it launch?', '개통했어?')
    premise: Premise | None  # a figure it states for confirmation
    operation: Operation

    @property
    def kinds(self) -> frozenset[str]:
        """Kinds of event the question names (MOUs, trainings, exports)."""
        return frozenset(t for t in self.ask.topics if t in EVENT_KINDS)


def operation_of(ask: Ask, reading: Understanding, yes_no: bool, premise: Premise | None) -> Operation:
    """The operation a resolved question asks for, from its intent, topics and cues."""
    intent, cues = ask.intent, ask.cues
    if intent in SMALLTALK and not reading.mentions:
        return "chat"
    if intent == "contact" or ("contact" in ask.topics and intent in (None, "who", "source")):
        return "contact"
    if intent == "source" and not cues & {"latest", "first"}:
        return "sources"
    if ask.topics & PROCEDURES:
        return "procedure"
    if premise:
        return "confirm"
    if reading.nth:
        return "nth"
    if cues & COMPARE_CUES or "or" in cues:
        return "compare"
    if order := next((op for cue, op in ORDERS.items() if cue in cues), None):
        return order
    if yes_no:
        return "yes_no"
    if intent == "how_many":
        return "count"
    if intent == "list" or cues & {"all", "events"}:
        return "list"
    if ask.period and not ask.entities:
        return "period"
    return "look_up"
