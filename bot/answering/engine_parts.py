"""What the answer engine is built from, once per fact base (and compiled with it): the reader of questions,
the details, the ranker and its indexes, the derived records, the default contacts, the role records, the
out-of-scope topics, the contact records and the taught ways of asking. Every answerer (answerers.py) works with them.
"""

from __future__ import annotations

from bot.answering.citations import contact_for
from bot.answering.details import Details
from bot.answering.learned import LearnedIndex
from bot.answering.ranking import Ranker
from bot.answering.records import Records
from bot.answering.roles import Roles
from bot.factbase.model import LANGS, NOT_ON_RECORD, OUT_OF_SCOPE, RELATION, KnowledgeBase
from bot.reading.understand import Understander


class EngineParts:
    """The engine's parts, built from one fact base."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.understander = Understander(kb)
        self.details = Details(kb)
        self.ranker = Ranker(kb, self.details)
        self.records = Records(kb)
        # Fallback, unknown and "not on record" replies all name the desk: found once, not per message.
        self.default_contacts = {lang: contact_for(kb, [], lang) for lang in LANGS}
        self.roles = Roles(kb)
        self.out_of_scope = frozenset(t for t, want in kb.topic_wants.items() if want == OUT_OF_SCOPE)
        self.relations = frozenset(t for t, want in kb.topic_wants.items() if want == RELATION)
        # What the sources never hold (a hotel, a fee, how to apply), while no record is about it: asked about, it
        # is said to be not on record, however well a record matches the rest of the question.
        on_record = {t for f in kb.facts for t in f.topics}
        self.never_on_record = frozenset(
            t for t, want in kb.topic_wants.items() if want == NOT_ON_RECORD and t not in on_record
        )
        # Contact records, by the person they name: a contact answer states the record it rests on.
        self.contact_facts = {e: f for f in kb.facts if f.type == "contact" for e in f.about}
        # Ways of asking that curators taught: such a question gets its record, whatever else it seems to say.
        self.learned = LearnedIndex(kb)
