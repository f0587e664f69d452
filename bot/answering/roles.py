"""Who held a role (the Administrator) at the time of a named event: the role record whose dates cover it."""

from __future__ import annotations

from bot.answering.turnview import TurnView
from bot.factbase.model import KnowledgeBase, visible
from bot.showing.answer import Answer


class Roles:
    """Built once per fact base: the role records, and the topics a question names one by."""

    def __init__(self, kb: KnowledgeBase) -> None:
        # A question naming one of these topics and an event asks who held the role then.
        self.holders = tuple(f for f in kb.facts if f.type == "administrator")
        self.topics = frozenset(t for f in self.holders for t in f.topics)

    def at_time(self, turn: TurnView) -> Answer | None:
        """'Who was Administrator when the Iraqi delegation visited?': the role record whose dates cover the event."""
        roles = turn.topics & self.topics
        if not roles:
            return None
        # Only a thing that is itself an event (a visit, an MOU with a country) dates the question.
        events = [
            ev
            for e in turn.specific
            if e not in turn.ranker.generic
            and turn.records.own_events(e)
            and (ev := turn.records.of_entity(e, turn.kinds, turn.audience)) is not None
        ]
        if not events:
            return None
        event = events[0]
        holders = [f for f in self.holders if visible(f, turn.audience)]
        if any(event.subject.id in f.about for f in holders):
            return None
        day = event.start
        for fact in holders:
            first, last = fact.date or fact.as_of or "", fact.as_of or fact.date or ""
            if first[: len(day)] <= day <= last[: len(day)] + "~":
                return turn.compose.facts_answer([fact], 0.85, (event.subject.id, *fact.about[:1]))
        return turn.compose.role_not_on_record(sorted(roles)[0], event)
