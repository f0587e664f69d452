"""Composing the one Answer of a reply from what the engine chose: records, events, figures, or what is
not on record.

Every reply is assembled here, in the language of the question: the detail asked first, then the record
it comes from, the history of a figure that changed, the sources cited, whom to ask, and follow-up
questions the fact base can answer. A reply that says something is not on record says exactly what,
in one short line, and sets what *is* on record apart below it.
"""

from __future__ import annotations

from bot.answering.compose_across import AcrossAnswers
from bot.answering.compose_missing import NotOnRecord
from bot.answering.compose_replies import Replies


class Composer(AcrossAnswers, NotOnRecord, Replies):
    """Assembles the Answer of one reply: its words (wording.py) and every kind of answer, each in its module
    (compose_records, compose_across, compose_missing, compose_replies)."""
