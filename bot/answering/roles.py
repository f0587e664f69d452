"""Who held a role (the Administrator) at the time of a named event or in a period the question states: the
role record whose dates cover it, or, when none does, that the sources do not say."""

from __future__ import annotations

from bot.answering.case import Case
from bot.answering.confidence import ROLE_AT_EVENT, ROLE_HELD
from bot.factbase.model import Fact, KnowledgeBase, visible
from bot.reading.periods import Period
from bot.showing.answer import Answer


class Roles:
    """Built once per fact base: the role records, and the topics a question names one by."""

    def __init__(self, kb: KnowledgeBase) -> None:
        # A question naming one of these topics and an event or a period asks who held the role then. A topic
        # other records carry too names the role only with whose role it is: 'head' of a delegation is its
        # leader; the 'head of PPS' is the Administrator.
        self.holders = tuple(f for f in kb.facts if f.type == "administrator")
        others = {t for f in kb.facts if f.type != "administrator" for t in f.topics}
        self.shared = frozenset(t for f in self.holders for t in f.topics)
        self.topics = self.shared - others
        self.of = frozenset(f.about[0] for f in self.holders)  # whose role it is (PPS)

    def _named(self, roles: frozenset[str]) -> str:
        """The topic a reply names the role by: its own ('PPS Administrator'), not a word it shares ('head')."""
        return sorted(roles & self.topics or self.topics or roles)[0]

    def asked(self, turn: Case) -> frozenset[str]:
        """The role topics the question asks about."""
        named_whose = any(e in self.of for e in turn.u.entity_ids)
        return turn.topics & (self.shared if named_whose else self.topics)

    def at_time(self, turn: Case) -> Answer | None:
        """'Who was Administrator when the Iraqi delegation visited?': the role record whose dates cover the event."""
        roles = self.asked(turn)
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
        holders = [f for f in self.holders if visible(f, turn.audience)]
        if any(events[0].subject.id in f.about for f in holders):
            return None
        # '이라크 건 당시 청장': of the events of what is named (the KEPS build, the delegation's visit), the first
        # whose time a role record covers.
        named = [e for e in turn.specific if e not in turn.ranker.generic]
        others = [ev for e in named for ev in turn.records.select((), (e,), None, turn.audience)]
        for event in dict.fromkeys([events[0], *others]):
            day = event.start
            for fact in holders:
                first, last = fact.date or fact.as_of or "", fact.as_of or fact.date or ""
                if first[: len(day)] <= day <= last[: len(day)] + "~":
                    return turn.compose.facts_answer([fact], ROLE_AT_EVENT, (event.subject.id, *fact.about[:1]))
        return turn.compose.role_not_on_record(self._named(roles), events[0])

    def in_documents(self, turn: Case) -> Answer | None:
        """'Who was the Administrator quoted in the 2023 Iraq release, versus the 2024 releases?': the holder as of
        each document's year the question names."""
        # ('2023년 11월과 2024년 5월 당시 조달청장은 각각 누구인가': two times, each asked.)
        roles, stated = self.asked(turn), turn.u.years if len(turn.u.years) > 1 else frozenset()
        years = sorted(turn.u.document_years | stated | self._years_of_documents_named(turn))
        if not roles or not years or (turn.u.period is not None and not stated):
            return None
        holders = [f for f in self.holders if visible(f, turn.audience)]
        found = [f for y in years for f in holders if _meets(f, Period(str(y), str(y)))]
        if not found:
            return None
        return turn.compose.facts_answer(list(dict.fromkeys(found)), ROLE_HELD, found[0].about)

    @staticmethod
    def _years_of_documents_named(turn: Case) -> frozenset[int]:
        """'quoted in the Iraq release vs the Kyrgyzstan MOU release': the years of the documents on the things
        named, when the question speaks of documents and names two or more things."""
        named = [e for e in turn.u.entity_ids if e not in turn.ranker.generic]
        if "source" not in turn.u.topics or len(named) < 2:
            return frozenset()
        sources = {s for e in named for s in turn.entity(e).sources if s in turn.kb.sources}
        return frozenset(int(turn.kb.sources[s].date[:4]) for s in sources if turn.kb.sources[s].date)

    def in_period(self, turn: Case) -> Answer | None:
        """'23년 청장 누구였음', 'Who was Administrator in 2022?': the role record whose dates meet the period the
        question states, or that the sources name no holder then (never the holder of another time)."""
        roles, period = self.asked(turn), turn.u.period
        # Only what the question itself names counts: 'and who by May 2024?' after the Iraqi visit asks of May.
        named = [e for e in turn.u.entity_ids if e not in turn.ranker.generic and e not in self.of]
        if not roles or period is None or named:
            return None
        holders = [f for f in self.holders if visible(f, turn.audience) and _meets(f, period)]
        if holders:
            return turn.compose.facts_answer(holders[:1], ROLE_HELD, holders[0].about)
        return turn.compose.role_not_in_period(self._named(roles), period)


def _meets(holder: Fact, period: Period) -> bool:
    """Whether the time a record names the holder in (its date to its as-of date) meets the period."""
    first, last = holder.date or holder.as_of or "", holder.as_of or holder.date or ""
    lo, hi = period.start or "0000", period.end or "9999"
    return bool(first) and first[: len(hi)] <= hi and lo <= last[: len(lo)]
