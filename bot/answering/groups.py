"""The members of a group named ('which multilateral development banks', '다자개발은행은 어디어디'): the group's
members, by name, led by what the sources say of the group."""

from __future__ import annotations

from bot.answering.case import Case
from bot.showing.answer import Answer

ASKS_WHICH = frozenset({None, "list", "what_is", "where", "who"})  # which ones: not a date, a count, their doings
ABOUT_MEMBERS = frozenset({"participants", "place", "countries", "members"})  # words of who they are


def group_members(case: Case) -> Answer | None:
    named = [e for e in case.specific if e not in case.ranker.generic]
    if len(named) != 1 or case.u.period or case.intent not in ASKS_WHICH or "events" in case.ask.cues:
        return None  # ('개발은행들이랑 같이 한 사업 전부 알려줘' asks what was done with them)
    group = case.entity(named[0])
    if group.kind != "group" or not group.members or case.topics - ABOUT_MEMBERS:
        return None  # ('when did the development banks meet PPS?' asks of their events)
    names = [case.entity(m).name(case.lang) for m in group.members if m in case.kb.entities]
    return case.compose.listing(group.name(case.lang), names, group.sources, group, group.summary(case.lang))
